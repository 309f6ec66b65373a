import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { NameSearchQueryDto } from '../../../common/dto/library-fields.dto';
import { LABEL } from '../../prompts/dto/prompt.dto';
import type { ConversationTemplateRow } from '../conversation-templates.repository';

const NAME = /^\S(.*\S)?$/;

export class CreateConversationTemplateDto {
  /** Unique in the organization. */
  @ApiProperty({ example: 'Code reviewer', maxLength: 200, pattern: NAME.source })
  @IsString()
  @MaxLength(200)
  @Matches(NAME, { message: 'name must not be blank or start or end with spaces' })
  name!: string;

  @ApiPropertyOptional({ example: 'Reviews a diff for bugs and style', maxLength: 1000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  /** The system prompt as text; give this or `promptId`, not both. */
  @ApiPropertyOptional({ example: 'You are a careful code reviewer.', maxLength: 100000, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100000)
  systemPrompt?: string | null;

  /** A workbench prompt of the organization as the system prompt; give this or `systemPrompt`. */
  @ApiPropertyOptional({ format: 'uuid', nullable: true, example: '0196a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b' })
  @IsOptional()
  @IsUUID()
  promptId?: string | null;

  /** The prompt's label to use (`latest` or none: its newest version). Only with `promptId`. */
  @ApiPropertyOptional({ example: 'production', pattern: LABEL.source, maxLength: 50, nullable: true })
  @IsOptional()
  @IsString()
  @Matches(LABEL, { message: 'promptLabel must be lower-case letters, digits, _ or -' })
  promptLabel?: string | null;

  @ApiPropertyOptional({ example: 'gpt-4o-mini', maxLength: 200, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string | null;

  /** The user message a conversation started from the template opens with. */
  @ApiPropertyOptional({ example: 'Please review this diff:', maxLength: 100000, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100000)
  firstMessage?: string | null;
}

/**
 * Only the fields to change; null clears an optional one. Setting `promptId` clears
 * `systemPrompt` and setting `systemPrompt` clears `promptId` and `promptLabel`.
 */
export class UpdateConversationTemplateDto extends PatchOf(CreateConversationTemplateDto) {}

/** List by name, with `?q=` searching in it. */
export class ListConversationTemplatesQueryDto extends NameSearchQueryDto {}

export class ConversationTemplateResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true }) systemPrompt!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) promptId!: string | null;
  @ApiProperty({ type: String, nullable: true }) promptLabel!: string | null;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty({ type: String, nullable: true }) firstMessage!: string | null;
  /** Starts at 1, bumped by every update; the ETag header quotes it, If-Match sends it back. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export function toConversationTemplateResponse(row: ConversationTemplateRow): ConversationTemplateResponseDto {
  const { id, orgId, name, description, systemPrompt, promptId, promptLabel, model, firstMessage } = row;
  const { version, createdByUserId, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    description,
    systemPrompt,
    promptId,
    promptLabel,
    model,
    firstMessage,
    version,
    createdByUserId,
    createdAt,
    updatedAt,
  };
}
