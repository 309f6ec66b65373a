import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { TagsField, TaggedListQueryDto, unlessAbsent } from '../../../common/dto/library-fields.dto';
import { MaxKeys } from '../../../common/dto/max-keys';
import { PatchOf } from '../../../common/dto/patch-of';
import { PromptStatus, PromptType } from '../../../generated/prisma/enums';
import type { PromptLabelRow, PromptRow, PromptVersionRow } from '../prompts.repository';

const NAME = /^[^\s/][^/]*$/;
/** Label names: lower-case words; `latest` is the prompt's newest version and cannot be set. */
export const LABEL = /^[a-z][a-z0-9_-]{0,49}$/;
export const LATEST = 'latest';
const MAX_CONFIG_KEYS = 50;
const MAX_VARIABLES = 100;
export const MAX_VALUE_LENGTH = 10000;

export class CreatePromptDto {
  /** Unique in the organization; no slash (it is a path segment of `by-name`). */
  @ApiProperty({ example: 'support-greeting', maxLength: 200, pattern: NAME.source })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NAME, { message: 'name must not be blank or contain /' })
  name!: string;

  @ApiPropertyOptional({ example: 'First message of the support assistant', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  /**
   * TEXT: the text itself. CHAT: a JSON array of messages `[{"role": "system"|"user"|"assistant",
   * "content": "..."}]`. Either may hold `{{name}}` placeholders.
   */
  @ApiProperty({
    example: 'You are the support assistant of {{company_name}}. Answer in {{language}}.',
    maxLength: 100000,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(100000)
  content!: string;

  @ApiPropertyOptional({ enum: PromptType, enumName: 'PromptType', default: PromptType.TEXT })
  @ValidateIf(unlessAbsent)
  @IsIn(Object.values(PromptType))
  type?: PromptType;

  /** Model parameters kept with each version (model, temperature, ...). */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    maxProperties: MAX_CONFIG_KEYS,
    example: { model: 'gpt-4o-mini', temperature: 0.2 },
  })
  @IsOptional()
  @IsObject()
  @MaxKeys(MAX_CONFIG_KEYS)
  config?: Record<string, unknown>;

  @TagsField()
  tags?: string[];

  @ApiPropertyOptional({ enum: PromptStatus, enumName: 'PromptStatus', default: PromptStatus.DRAFT })
  @ValidateIf(unlessAbsent)
  @IsIn(Object.values(PromptStatus))
  status?: PromptStatus;
}

/** Only the fields to change. A change of content, type or config makes a new version. */
export class UpdatePromptDto extends PatchOf(CreatePromptDto) {}

export class ListPromptsQueryDto extends TaggedListQueryDto {
  @ApiPropertyOptional({ enum: PromptStatus, enumName: 'PromptStatus' })
  @IsOptional()
  @IsIn(Object.values(PromptStatus))
  status?: PromptStatus;
}

export class SetPromptLabelDto {
  @ApiProperty({ example: 2, minimum: 1 })
  @IsInt()
  @Min(1)
  version!: number;
}

/** Which version: a label, or a version number, or (neither) the latest. */
export class PromptVersionSelectorDto {
  @ApiPropertyOptional({ example: 'production', pattern: LABEL.source, maxLength: 50 })
  @IsOptional()
  @IsString()
  @Matches(LABEL, { message: 'label must be lower-case letters, digits, _ or -' })
  label?: string;

  @ApiPropertyOptional({ example: 2, minimum: 1 })
  @IsOptional()
  @TransformType(() => Number)
  @IsInt()
  @Min(1)
  version?: number;
}

export class RenderPromptDto extends PromptVersionSelectorDto {
  /** Values for `{{name}}` placeholders; the org's variables fill the others. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: MAX_VALUE_LENGTH },
    maxProperties: MAX_VARIABLES,
    example: { language: 'English' },
  })
  @IsOptional()
  @IsObject()
  @MaxKeys(MAX_VARIABLES)
  variables?: Record<string, string>;
}

export class PromptByNameQueryDto extends PromptVersionSelectorDto {}

export class DuplicatePromptDto {
  @ApiProperty({ example: 'support-greeting-copy', maxLength: 200, pattern: NAME.source })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NAME, { message: 'name must not be blank or contain /' })
  name!: string;
}

export class PromptResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: PromptType, enumName: 'PromptType' }) type!: PromptType;
  @ApiProperty() content!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) config!: unknown;
  @ApiProperty({ enum: PromptStatus, enumName: 'PromptStatus' }) status!: PromptStatus;
  @ApiProperty({ type: [String] }) tags!: string[];
  /** The row's revision, bumped by every update (the ETag); not the content version. */
  @ApiProperty({ example: 1 }) version!: number;
  /** The number of the newest content version. */
  @ApiProperty({ example: 1 }) latestVersion!: number;
  /** Label → version, `latest` included. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { latest: 3, production: 2 },
  })
  labels!: Record<string, number>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class PromptVersionResponseDto {
  @ApiProperty({ format: 'uuid' }) promptId!: string;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ enum: PromptType, enumName: 'PromptType' }) type!: PromptType;
  @ApiProperty() content!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) config!: unknown;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  /** The labels pointing at this version (`latest` included). */
  @ApiProperty({ type: [String], example: ['production'] }) labels!: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
}

export class ResolvedPromptResponseDto extends PromptVersionResponseDto {
  @ApiProperty() name!: string;
}

export class ChatMessageDto {
  @ApiProperty({ enum: ['system', 'user', 'assistant'] }) role!: string;
  @ApiProperty() content!: string;
}

export class RenderedPromptResponseDto {
  @ApiProperty({ format: 'uuid' }) promptId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ enum: PromptType, enumName: 'PromptType' }) type!: PromptType;
  /** TEXT prompts: the filled text. CHAT prompts: the messages as JSON text. */
  @ApiProperty({ example: 'You are the support assistant of Acme Labs. Answer in English.' }) text!: string;
  /** CHAT prompts only: the filled messages. */
  @ApiPropertyOptional({ type: [ChatMessageDto] }) messages?: ChatMessageDto[];
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) config!: unknown;
}

/** What of a prompt a client sees; `labels` are the stored ones, `latest` is added here. */
export function toPromptResponse(row: PromptRow): PromptResponseDto {
  const { id, orgId, name, description, type, content, config, status, tags, version, latestVersion } = row;
  const { createdByUserId, createdAt, updatedAt } = row;
  const labels = Object.fromEntries(row.labels.map((l) => [l.label, l.version]));
  return {
    id,
    orgId,
    name,
    description,
    type,
    content,
    config,
    status,
    tags,
    version,
    latestVersion,
    labels: { [LATEST]: latestVersion, ...labels },
    createdByUserId,
    createdAt,
    updatedAt,
  };
}

export function toPromptVersionResponse(
  row: PromptVersionRow,
  latestVersion: number,
  labels: PromptLabelRow[],
): PromptVersionResponseDto {
  const { promptId, version, type, content, config, description, createdByUserId, createdAt } = row;
  const names = labels.filter((l) => l.version === version).map((l) => l.label);
  if (version === latestVersion) names.unshift(LATEST);
  return { promptId, version, type, content, config, description, labels: names, createdByUserId, createdAt };
}
