import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type as TransformType } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MaxKeys } from '../../../common/dto/max-keys';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { AgentType } from '../../../generated/prisma/enums';
import type { AgentConfig, AgentRow, AgentVersionRow } from '../agents.repository';

/** Top-level keywords of an input schema (a real one has a handful). */
const MAX_SCHEMA_KEYWORDS = 100;
// No nested `properties` in the example: OpenAPI linters would read it as this DTO's own schema.
const INPUT_SCHEMA_EXAMPLE = { type: 'object', required: ['company'] };

/** How the agent calls its model. Every change of it is a new immutable version of the agent. */
export class AgentConfigDto {
  @ApiProperty({ example: 'gpt-4o-mini', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model!: string;

  /** An org key, or a personal key of your own (then only you can execute the agent). */
  @ApiProperty({ format: 'uuid', example: '01936f4e-9a2b-7c3d-8e4f-5a6b7c8d9e0f' })
  @IsUUID()
  providerKeyId!: string;

  @ApiProperty({ example: 'You find value opportunities in the account described.', maxLength: 100_000 })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  systemPrompt!: string;

  /** A JSON Schema (2020-12) that execution inputs must satisfy; compiled at save (400 when it is not one). */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    maxProperties: MAX_SCHEMA_KEYWORDS,
    example: INPUT_SCHEMA_EXAMPLE,
  })
  @IsOptional()
  @IsObject()
  @MaxKeys(MAX_SCHEMA_KEYWORDS)
  inputSchema?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 2, example: 0.2 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  temperature?: number | null;
}

export class CreateAgentDto {
  @ApiProperty({ example: 'Opportunity finder', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: AgentType, enumName: 'AgentType', example: AgentType.OPPORTUNITY })
  @IsIn(Object.values(AgentType))
  type!: AgentType;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Finds upsell opportunities', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ type: AgentConfigDto })
  @IsObject()
  @ValidateNested()
  @TransformType(() => AgentConfigDto)
  config!: AgentConfigDto;

  /** An inactive agent cannot be executed (409 AGENT_INACTIVE). */
  @ApiPropertyOptional({ default: true })
  @ValidateIf((dto: CreateAgentDto) => dto.isActive !== undefined) // null is not a state: 400
  @IsBoolean()
  isActive?: boolean;
}

/** Only the fields to change (If-Match); `config`, when given, replaces the whole config (a new version if it differs). */
export class UpdateAgentDto extends PatchOf(CreateAgentDto) {}

export class ListAgentsQueryDto extends PageQueryDto {
  /** true: the soft-deleted agents (to restore one) instead of the live ones. */
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  deleted?: boolean;

  @ApiPropertyOptional({ enum: AgentType, enumName: 'AgentType' })
  @IsOptional()
  @IsIn(Object.values(AgentType))
  type?: AgentType;
}

export class AgentConfigResponseDto {
  @ApiProperty() model!: string;
  @ApiProperty({ format: 'uuid' }) providerKeyId!: string;
  @ApiProperty() systemPrompt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) inputSchema!: unknown;
  @ApiProperty({ type: Number, nullable: true }) temperature!: number | null;
}

export class AgentResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AgentType, enumName: 'AgentType' }) type!: AgentType;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: AgentConfigResponseDto }) config!: AgentConfigResponseDto;
  /** The config's version (1, 2, …): executions run the version current when they start. */
  @ApiProperty({ example: 1 }) configVersion!: number;
  /** The row's revision, bumped by every write (the ETag); not the config version. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty() isActive!: boolean;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  /** Set while the agent is soft-deleted (restore clears it). */
  @ApiProperty({ type: Date, nullable: true }) deletedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class AgentVersionResponseDto {
  @ApiProperty({ format: 'uuid' }) agentId!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: AgentConfigResponseDto }) config!: AgentConfigResponseDto;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
}

/** The stored config as the API shows it: absent optional fields are null. */
export function toConfigResponse(config: AgentConfig): AgentConfigResponseDto {
  const { model, providerKeyId, systemPrompt } = config;
  return {
    model,
    providerKeyId,
    systemPrompt,
    inputSchema: config.inputSchema ?? null,
    temperature: config.temperature ?? null,
  };
}

export function toAgentResponse(row: AgentRow): AgentResponseDto {
  const { id, orgId, name, agentType, description, config, configVersion, version, isActive } = row;
  const { createdByUserId, deletedAt, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    type: agentType,
    description,
    config: toConfigResponse(config),
    configVersion,
    version,
    isActive,
    createdByUserId,
    deletedAt,
    createdAt,
    updatedAt,
  };
}

export function toAgentVersionResponse(row: AgentVersionRow): AgentVersionResponseDto {
  const { agentId, version, config, createdByUserId, createdAt } = row;
  return { agentId, version, config: toConfigResponse(config), createdByUserId, createdAt };
}
