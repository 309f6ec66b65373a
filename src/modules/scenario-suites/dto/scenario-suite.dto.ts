import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { ScenarioStatus } from '../../../generated/prisma/enums';
import { NameField, TagsField, TaggedListQueryDto } from '../../../common/dto/library-fields.dto';

/** Most scenarios one suite holds. */
export const MAX_SUITE_ITEMS = 200;

export class CreateSuiteDto {
  /** Unique in the organization. */
  @NameField('support-regression')
  name!: string;

  @ApiPropertyOptional({ type: String, example: 'Every support scenario', maxLength: 1000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @TagsField()
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

export class ListSuitesQueryDto extends TaggedListQueryDto {}

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
