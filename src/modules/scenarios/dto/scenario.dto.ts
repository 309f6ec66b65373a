import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { ExpectationType, ScenarioStatus, ScenarioTurnType } from '../../../generated/prisma/enums';
import { MAX_PATTERN_LENGTH } from '../../evaluation/regex-policy';
import { NameField, TagsField, TaggedListQueryDto, unlessAbsent } from '../../../common/dto/library-fields.dto';

/** Sane maxima: a scenario is a conversation script, not a corpus. */
export const LIMITS = {
  turns: 100,
  expectationsPerTurn: 20,
  expectations: 200,
  values: 50,
  valueLength: 1000,
  text: 20000,
  assertion: 2000,
  reply: 100000,
  maxWeight: 100,
} as const;

const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/**
 * One rule a reply must satisfy. The type says which field it uses: `values` (MUST_CONTAIN: all
 * of them, MUST_CONTAIN_ANY: one, MUST_NOT_CONTAIN: none), `pattern` (REGEX, RE2 syntax that
 * JavaScript also reads) or `assertion` (SEMANTIC_ASSERT, checked by a model judge in runs).
 */
export class ExpectationDto {
  @ApiProperty({ enum: ExpectationType, enumName: 'ExpectationType' })
  @IsIn(Object.values(ExpectationType))
  type!: ExpectationType;

  @ApiPropertyOptional({ type: [String], maxItems: LIMITS.values, example: ['refund', '30 days'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.values)
  @IsString({ each: true })
  @MaxLength(LIMITS.valueLength, { each: true })
  values?: string[] | null;

  @ApiPropertyOptional({ type: String, maxLength: MAX_PATTERN_LENGTH, example: 'order #\\d+', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PATTERN_LENGTH)
  pattern?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: LIMITS.assertion,
    example: 'The reply apologises and offers a refund',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.assertion)
  assertion?: string | null;

  /** Values and patterns match case-insensitively (Unicode case folding) unless true. */
  @ApiPropertyOptional({ default: false })
  @ValidateIf(unlessAbsent)
  @IsBoolean()
  caseSensitive?: boolean;

  /** Share of the scenario's score; more than 0, at most 100. */
  @ApiPropertyOptional({ default: 1, minimum: 0, exclusiveMinimum: true, maximum: LIMITS.maxWeight, example: 1 })
  @ValidateIf(unlessAbsent)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(LIMITS.maxWeight)
  weight?: number;
}

/** A USER turn has `text` (what the user says); an EXPECT turn has `expectations` on the reply so far. */
export class TurnDto {
  @ApiProperty({ enum: ScenarioTurnType, enumName: 'ScenarioTurnType' })
  @IsIn(Object.values(ScenarioTurnType))
  type!: ScenarioTurnType;

  @ApiPropertyOptional({ type: String, maxLength: LIMITS.text, example: 'I want my money back', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.text)
  text?: string | null;

  @ApiPropertyOptional({ type: [ExpectationDto], maxItems: LIMITS.expectationsPerTurn })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIMITS.expectationsPerTurn)
  @ValidateNested({ each: true })
  @Type(() => ExpectationDto)
  expectations?: ExpectationDto[] | null;
}

export class CreateScenarioDto {
  /** Unique in the organization. */
  @NameField('refund-request')
  name!: string;

  @ApiPropertyOptional({ type: String, example: 'A customer asks for a refund', maxLength: 1000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  /** The language the conversation is in (BCP 47, e.g. `en`, `de-CH`). */
  @ApiPropertyOptional({ default: 'en', maxLength: 35, pattern: LOCALE.source, example: 'en' })
  @ValidateIf(unlessAbsent)
  @IsString()
  @MaxLength(35)
  @Matches(LOCALE, { message: 'locale must be a language tag such as en or de-CH' })
  locale?: string;

  /** Publishing (and every change while published) snapshots a version. */
  @ApiPropertyOptional({ enum: ScenarioStatus, enumName: 'ScenarioStatus', default: ScenarioStatus.DRAFT })
  @ValidateIf(unlessAbsent)
  @IsIn(Object.values(ScenarioStatus))
  status?: ScenarioStatus;

  @TagsField()
  tags?: string[];

  /** The conversation in order; saving replaces all turns. */
  @ApiProperty({
    type: [TurnDto],
    maxItems: LIMITS.turns,
    example: [
      { type: 'USER', text: 'I want my money back for order 1234' },
      {
        type: 'EXPECT',
        expectations: [
          { type: 'MUST_CONTAIN', values: ['refund'] },
          { type: 'REGEX', pattern: 'order #?\\d{4}' },
          { type: 'SEMANTIC_ASSERT', assertion: 'The reply is polite', weight: 2 },
        ],
      },
    ],
  })
  @IsArray()
  @ArrayMaxSize(LIMITS.turns)
  @ValidateNested({ each: true })
  @Type(() => TurnDto)
  turns!: TurnDto[];
}

/** The whole scenario: fields left out take their defaults. */
export class ReplaceScenarioDto extends CreateScenarioDto {}

/** Only the fields to change; `turns`, when given, replaces all turns. */
export class UpdateScenarioDto extends PatchOf(CreateScenarioDto) {}

export class ListScenariosQueryDto extends TaggedListQueryDto {
  @ApiPropertyOptional({ enum: ScenarioStatus, enumName: 'ScenarioStatus' })
  @IsOptional()
  @IsIn(Object.values(ScenarioStatus))
  status?: ScenarioStatus;
}

export class DuplicateScenarioDto {
  @NameField('refund-request-copy')
  name!: string;
}

export class EvaluateScenarioDto {
  /** Reply i is the assistant's answer to the i-th USER turn; one per USER turn. */
  @ApiProperty({ type: [String], maxItems: LIMITS.turns, example: ['We can refund you within 30 days.'] })
  @IsArray()
  @ArrayMaxSize(LIMITS.turns)
  @IsString({ each: true })
  @MaxLength(LIMITS.reply, { each: true })
  replies!: string[];
}

export class ExpectationResponseDto {
  @ApiProperty({ enum: ExpectationType, enumName: 'ExpectationType' }) type!: ExpectationType;
  @ApiProperty({ type: [String] }) values!: string[];
  @ApiProperty({ type: String, nullable: true }) pattern!: string | null;
  @ApiProperty({ type: String, nullable: true }) assertion!: string | null;
  @ApiProperty() caseSensitive!: boolean;
  @ApiProperty({ example: 1 }) weight!: number;
}

export class TurnResponseDto {
  @ApiProperty({ enum: ScenarioTurnType, enumName: 'ScenarioTurnType' }) type!: ScenarioTurnType;
  @ApiProperty({ type: String, nullable: true }) text!: string | null;
  @ApiProperty({ type: [ExpectationResponseDto] }) expectations!: ExpectationResponseDto[];
}

export class ScenarioSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 'en' }) locale!: string;
  @ApiProperty({ enum: ScenarioStatus, enumName: 'ScenarioStatus' }) status!: ScenarioStatus;
  @ApiProperty({ type: [String] }) tags!: string[];
  /** The row's revision, bumped by every update (the ETag); not a snapshot number. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: 4 }) turnCount!: number;
  @ApiProperty({ example: 3 }) expectationCount!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ScenarioResponseDto extends ScenarioSummaryDto {
  @ApiProperty({ type: [TurnResponseDto] }) turns!: TurnResponseDto[];
}

export class ScenarioSnapshotDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() locale!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: [TurnResponseDto] }) turns!: TurnResponseDto[];
}

export class ScenarioVersionResponseDto {
  @ApiProperty({ format: 'uuid' }) scenarioId!: string;
  /** Snapshot number: 1, 2, … in the order the published changes happened. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: ScenarioSnapshotDto }) snapshot!: ScenarioSnapshotDto;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
}

export class ExpectationVerdictDto {
  @ApiProperty({ enum: ExpectationType, enumName: 'ExpectationType' }) type!: ExpectationType;
  /** null: not evaluated (SEMANTIC_ASSERT needs a model judge, which evaluate does not call). */
  @ApiProperty({ type: Boolean, nullable: true }) passed!: boolean | null;
  @ApiProperty({ type: Number, nullable: true, minimum: 0, maximum: 1 }) score!: number | null;
  @ApiProperty({ example: 'missing: "refund"' }) reason!: string;
  @ApiProperty({ example: 1 }) weight!: number;
}

export class EvaluatedTurnDto {
  /** Position of the EXPECT turn among all turns (0-based). */
  @ApiProperty({ example: 1 }) turnIndex!: number;
  /** Which reply it was evaluated on (0-based: the reply to the last USER turn before it). */
  @ApiProperty({ example: 0 }) replyIndex!: number;
  @ApiProperty({ type: [ExpectationVerdictDto] }) expectations!: ExpectationVerdictDto[];
}

export class EvaluationTotalsDto {
  @ApiProperty() expectations!: number;
  @ApiProperty() passed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() notEvaluated!: number;
}

export class ScenarioEvaluationResponseDto {
  @ApiProperty({ format: 'uuid' }) scenarioId!: string;
  /** The scenario revision evaluated (its ETag). */
  @ApiProperty({ example: 3 }) version!: number;
  /** true when none failed and at least one was evaluated; null when none could be evaluated. */
  @ApiProperty({ type: Boolean, nullable: true }) passed!: boolean | null;
  /** Weighted share of passed expectations (0..1), those not evaluated left out. */
  @ApiProperty({ type: Number, nullable: true, minimum: 0, maximum: 1 }) score!: number | null;
  @ApiProperty({ type: EvaluationTotalsDto }) totals!: EvaluationTotalsDto;
  @ApiProperty({ type: [EvaluatedTurnDto] }) turns!: EvaluatedTurnDto[];
}
