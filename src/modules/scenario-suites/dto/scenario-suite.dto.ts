import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { ScenarioStatus } from '../../../generated/prisma/enums';

/** Most scenarios one suite holds. */
export const MAX_SUITE_ITEMS = 200;
const NAME = /\S/;
const TAG = /^[A-Za-z0-9_.:-]+$/;
const unlessAbsent = (_: object, value: unknown) => value !== undefined;

export class CreateSuiteDto {
  /** Unique in the organization. */
  @ApiProperty({ example: 'support-regression', maxLength: 200 })
  @IsString()
  @MaxLength(200)
  @Matches(NAME, { message: 'name must not be blank' })
  name!: string;

  @ApiPropertyOptional({ type: String, example: 'Every support scenario', maxLength: 1000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['support'], maxItems: 20 })
  @ValidateIf(unlessAbsent)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  @Matches(TAG, { each: true, message: 'each tag uses letters, digits, _ . : -' })
  tags?: string[];
}

/** Only the fields to change. */
export class UpdateSuiteDto extends PatchOf(CreateSuiteDto) {}

export class SetSuiteItemsDto {
  /** The suite's scenarios in the order they run; replaces the current list. */
  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxItems: MAX_SUITE_ITEMS,
    uniqueItems: true,
    example: ['01936f0e-8c1a-7c3e-9d2b-5a4f3e2d1c0b', '01936f0e-9d2b-7a4f-8e3d-2c1b0a9f8e7d'],
  })
  @IsArray()
  @ArrayMaxSize(MAX_SUITE_ITEMS)
  @ArrayUnique({ message: 'scenarioIds must not repeat a scenario' })
  @IsUUID('all', { each: true })
  scenarioIds!: string[];
}

export class ListSuitesQueryDto extends PageQueryDto {
  /** Suites carrying this tag. */
  @ApiPropertyOptional({ maxLength: 50 })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  tag?: string;

  /** Case-insensitive search in the name. */
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}

export class SuiteItemResponseDto {
  @ApiProperty({ format: 'uuid' }) scenarioId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ScenarioStatus, enumName: 'ScenarioStatus' }) status!: ScenarioStatus;
}

export class SuiteSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ example: 3 }) itemCount!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class SuiteResponseDto extends SuiteSummaryDto {
  /** The scenarios in order. */
  @ApiProperty({ type: [SuiteItemResponseDto] }) items!: SuiteItemResponseDto[];
}
