import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsObject, IsOptional, IsUUID } from 'class-validator';
import { MaxKeys } from '../../../common/dto/max-keys';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { ExecutionStatus } from '../../../generated/prisma/enums';
import type { ExecutionRow } from '../executions.repository';

export class StartExecutionDto {
  /** What the agent works on; must satisfy the agent's input schema (422 INPUT_INVALID naming the failing paths). */
  @ApiProperty({ type: 'object', additionalProperties: true, maxProperties: 1000, example: { company: 'Acme' } })
  @IsObject()
  @MaxKeys(1000)
  input!: Record<string, unknown>;
}

export class ListExecutionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  agentId?: string;

  @ApiPropertyOptional({ enum: ExecutionStatus, enumName: 'ExecutionStatus' })
  @IsOptional()
  @IsIn(Object.values(ExecutionStatus))
  status?: ExecutionStatus;

  /** Executions created at or after this time. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Executions created before this time. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class ExecutionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ format: 'uuid' }) agentId!: string;
  /** The agent's config version it runs. */
  @ApiProperty({ example: 1 }) agentVersion!: number;
  @ApiProperty({ enum: ExecutionStatus, enumName: 'ExecutionStatus' }) status!: ExecutionStatus;
  @ApiProperty({ type: 'object', additionalProperties: true }) input!: unknown;
  /** The model's reply: its JSON when it answered a JSON object or array, else `{text}`. */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) output!: unknown;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'gpt-4o-mini' }) model!: string | null;
  @ApiProperty() inputTokens!: number;
  @ApiProperty() outputTokens!: number;
  /** From the price table where the model is known. */
  @ApiProperty({ type: Number, nullable: true }) costUsd!: number | null;
  @ApiProperty({ type: Date, nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) triggeredByUserId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) cancelledByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export function toExecutionResponse(row: ExecutionRow): ExecutionResponseDto {
  const { costUsd, ...rest } = row;
  return { ...rest, costUsd: costUsd === null ? null : costUsd.toNumber() };
}
