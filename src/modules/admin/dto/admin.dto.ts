import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidatorConstraint,
  Validate,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { isLimitValue, limitNames } from '../../../common/features/feature';

const TIERS = ['FREE', 'PRO', 'ENTERPRISE'] as const;

/** `{ members?: n | null, ... }`: known limit names only, each a non-negative integer or null. */
@ValidatorConstraint({ name: 'limitOverrides' })
class LimitOverridesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.entries(value).every(([name, limit]) => limitNames().includes(name) && isLimitValue(limit));
  }

  defaultMessage(): string {
    return `limits may only set ${limitNames().join(', ')}, each to a non-negative integer or null (unlimited)`;
  }
}

export class AdminSearchQueryDto extends PageQueryDto {
  /** Case-insensitive search (organizations: name or slug; users: email or name). */
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q?: string;
}

export class AdminUpdateOrgDto {
  @ApiPropertyOptional({ enum: TIERS })
  @IsOptional()
  @IsIn(TIERS)
  tier?: (typeof TIERS)[number];

  /**
   * Per-organization overrides of the tier's limits; replaces the previous overrides. A limit left
   * out follows the tier; null means unlimited.
   */
  @ApiPropertyOptional({
    type: 'object',
    description: 'Keys are the limit names of GET /v1/orgs/{orgId}/limits',
    additionalProperties: { type: 'integer', minimum: 0, nullable: true },
    example: { members: 10, apiKeys: null },
  })
  @IsOptional()
  @IsObject()
  @Validate(LimitOverridesConstraint)
  limits?: Record<string, number | null>;
}

export class AdminOrgResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ type: String, nullable: true }) domain!: string | null;
  @ApiProperty({ enum: TIERS }) tier!: (typeof TIERS)[number];
  /** The overrides set on this organization. */
  @ApiProperty({ type: Object }) limits!: unknown;
  /** The tier's limits with the overrides applied (null: unlimited). */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer', nullable: true } })
  effectiveLimits!: Record<string, number | null>;
  @ApiProperty({ type: Object }) featureFlags!: unknown;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty({ type: Date, nullable: true, description: 'Set when the organization is soft-deleted' })
  deletedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}
