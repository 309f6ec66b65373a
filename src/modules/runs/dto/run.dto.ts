import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type as TransformType } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { AiProvider, EvaluationRunStatus, ExpectationType } from '../../../generated/prisma/enums';
import { RenderPromptDto } from '../../prompts/dto/prompt.dto';
import type { ExpectationResultRow, ResultRow, RunRow, RunWithResults, TranscriptEntry } from '../runs.repository';

/** A provider key and a model to call with. */
export class ModelChoiceDto {
  /** The provider key to call with (an org key, or your own personal key). */
  @ApiProperty({ format: 'uuid', example: '01936f4e-9a2b-7c3d-8e4f-5a6b7c8d9e0f' })
  @IsUUID()
  providerKeyId!: string;

  /** The model; the key's default model when absent (a 422 when it has none). */
  @ApiPropertyOptional({ example: 'gpt-4o-mini', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string;
}

/** The LLM judge of SEMANTIC_ASSERT expectations. */
export class JudgeDto extends ModelChoiceDto {}

/**
 * What to play the scenarios against. `label`/`version` select the prompt's version (neither:
 * the latest); `variables` fill its placeholders before the org's variables.
 */
export class StartRunDto extends IntersectionType(RenderPromptDto, ModelChoiceDto) {
  /** The prompt played as the system message. */
  @ApiPropertyOptional({ format: 'uuid', example: '01936f4e-1b2c-7d3e-8f4a-5b6c7d8e9f0a' })
  @IsOptional()
  @IsUUID()
  promptId?: string;

  /** The LLM judge of SEMANTIC_ASSERT expectations; required when a scenario has one. */
  @ApiPropertyOptional({ type: JudgeDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @TransformType(() => JudgeDto)
  judge?: JudgeDto;
}

export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: EvaluationRunStatus, enumName: 'EvaluationRunStatus' })
  @IsOptional()
  @IsIn(Object.values(EvaluationRunStatus))
  status?: EvaluationRunStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  scenarioId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  suiteId?: string;
}

export class RerunQueryDto {
  /** `failed`: only the scenarios that failed or errored. */
  @ApiPropertyOptional({ enum: ['failed'] })
  @IsOptional()
  @IsIn(['failed'])
  only?: 'failed';
}

export class RunProgressDto {
  /** Scenarios finished. */
  @ApiProperty({ example: 1 }) done!: number;
  /** Scenarios in the run. */
  @ApiProperty({ example: 3 }) total!: number;
}

export class RunResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) scenarioId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) suiteId!: string | null;
  @ApiProperty({ enum: EvaluationRunStatus, enumName: 'EvaluationRunStatus' }) status!: EvaluationRunStatus;
  @ApiProperty({ type: RunProgressDto }) progress!: RunProgressDto;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) providerKeyId!: string | null;
  @ApiProperty({ enum: AiProvider, enumName: 'AiProvider' }) provider!: AiProvider;
  @ApiProperty({ example: 'gpt-4o-mini' }) model!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) promptId!: string | null;
  @ApiProperty({ type: Number, nullable: true }) promptVersion!: number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) judgeProviderKeyId!: string | null;
  @ApiProperty({ type: String, nullable: true }) judgeModel!: string | null;
  /** Scenarios that passed, failed, errored. */
  @ApiProperty() passedCount!: number;
  @ApiProperty() failedCount!: number;
  @ApiProperty() errorCount!: number;
  /** Mean of the scenarios' weighted scores, 0..1; null until finished. */
  @ApiProperty({ type: Number, nullable: true }) score!: number | null;
  @ApiProperty() inputTokens!: number;
  @ApiProperty() outputTokens!: number;
  /** From the price table where the model is known. */
  @ApiProperty({ type: Number, nullable: true }) costUsd!: number | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) rerunOfId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) triggeredByUserId!: string | null;
  @ApiProperty({ type: Date, nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) durationMs!: number | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class TranscriptEntryDto {
  /** The scenario turn it belongs to; null for the system prompt. */
  @ApiProperty({ type: Number, nullable: true }) turnIndex!: number | null;
  @ApiProperty({ enum: ['system', 'user', 'assistant'] }) role!: string;
  @ApiProperty() text!: string;
  @ApiPropertyOptional() latencyMs?: number;
  @ApiPropertyOptional() inputTokens?: number;
  @ApiPropertyOptional() outputTokens?: number;
  /** Tries of this model call (retries of 429/5xx included). */
  @ApiPropertyOptional() attempts?: number;
  @ApiPropertyOptional() error?: string;
}

export class ExpectationResultDto {
  /** The EXPECT turn evaluated; expectations on no turn are evaluated after the last turn. */
  @ApiProperty() turnIndex!: number;
  @ApiProperty() orderIndex!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) expectationId!: string | null;
  @ApiProperty({ enum: ExpectationType, enumName: 'ExpectationType' }) type!: ExpectationType;
  /** The rule as evaluated. */
  @ApiProperty({ type: 'object', additionalProperties: true }) rule!: unknown;
  @ApiProperty() weight!: number;
  @ApiProperty() passed!: boolean;
  @ApiProperty({ type: Number, nullable: true }) score!: number | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

export class RunScenarioResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() orderIndex!: number;
  @ApiProperty({ format: 'uuid' }) scenarioId!: string;
  @ApiProperty() scenarioName!: string;
  @ApiProperty() scenarioVersion!: number;
  @ApiProperty({ enum: EvaluationRunStatus, enumName: 'EvaluationRunStatus' }) status!: EvaluationRunStatus;
  @ApiProperty({ type: [TranscriptEntryDto] }) transcript!: TranscriptEntryDto[];
  /** Expectations passed and failed. */
  @ApiProperty() passedCount!: number;
  @ApiProperty() failedCount!: number;
  @ApiProperty({ type: Number, nullable: true }) score!: number | null;
  @ApiProperty() inputTokens!: number;
  @ApiProperty() outputTokens!: number;
  @ApiProperty({ type: Number, nullable: true }) costUsd!: number | null;
  /** Time spent in model calls. */
  @ApiProperty({ type: Number, nullable: true }) latencyMs!: number | null;
  /** Model calls made, retries included. */
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: [ExpectationResultDto] }) expectations!: ExpectationResultDto[];
  @ApiProperty({ type: Date, nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) finishedAt!: Date | null;
}

export class RunDetailResponseDto extends RunResponseDto {
  @ApiProperty({ type: [RunScenarioResultDto] }) results!: RunScenarioResultDto[];
}

const money = (value: { toNumber(): number } | null): number | null => (value === null ? null : value.toNumber());

export function toRunResponse(row: RunRow): RunResponseDto {
  const { variables, doneCount, totalCount, costUsd, ...rest } = row;
  void variables; // request values may be secrets: never shown again
  return { ...rest, progress: { done: doneCount, total: totalCount }, costUsd: money(costUsd) };
}

function toExpectationResult(row: ExpectationResultRow): ExpectationResultDto {
  const { turnIndex, orderIndex, expectationId, expectationType, rule, weight, passed, score, reason } = row;
  return { turnIndex, orderIndex, expectationId, type: expectationType, rule, weight, passed, score, reason };
}

export function toResultResponse(row: ResultRow & { expectations: ExpectationResultRow[] }): RunScenarioResultDto {
  const { orgId, runId, transcript, costUsd, expectations, ...rest } = row;
  void orgId;
  void runId;
  return {
    ...rest,
    transcript: transcript as unknown as TranscriptEntry[],
    costUsd: money(costUsd),
    expectations: expectations.map(toExpectationResult),
  };
}

export function toRunDetailResponse(row: RunWithResults): RunDetailResponseDto {
  return { ...toRunResponse(row), results: row.results.map(toResultResponse) };
}
