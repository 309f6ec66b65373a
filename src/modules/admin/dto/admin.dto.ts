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
import { UserResponseDto } from '../../auth/dto/auth.dto';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { TIER_LIMITS, type LimitName } from '../../../common/plans/plan-limits';

const TIERS = ['FREE', 'PRO', 'ENTERPRISE'] as const;
const LIMIT_NAMES = Object.keys(TIER_LIMITS.FREE) as LimitName[];

/** `{ members?: n | null, ... }`: known limit names only, each a non-negative integer or null. */
@ValidatorConstraint({ name: 'limitOverrides' })
class LimitOverridesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    return Object.entries(value).every(
      ([name, limit]) =>
        (LIMIT_NAMES as string[]).includes(name) &&
        (limit === null || (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0)),
    );
  }

  defaultMessage(): string {
    return `limits may only set ${LIMIT_NAMES.join(', ')}, each to a non-negative integer or null (unlimited)`;
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
    properties: Object.fromEntries(LIMIT_NAMES.map((name) => [name, { type: 'integer', minimum: 0, nullable: true }])),
    additionalProperties: false,
    example: { members: 10, apiKeys: null },
  })
  @IsOptional()
  @IsObject()
  @Validate(LimitOverridesConstraint)
  limits?: Partial<Record<LimitName, number | null>>;
}

class LimitsDto {
  @ApiProperty({ type: Number, nullable: true }) members!: number | null;
  @ApiProperty({ type: Number, nullable: true }) apiKeys!: number | null;
  @ApiProperty({ type: Number, nullable: true }) variables!: number | null;
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
  @ApiProperty({ type: LimitsDto }) effectiveLimits!: Record<string, number | null>;
  @ApiProperty({ type: Object }) featureFlags!: unknown;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty({ type: Date, nullable: true, description: 'Set when the organization is soft-deleted' })
  deletedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class AdminUserResponseDto extends UserResponseDto {
  @ApiProperty({ type: Date, nullable: true, description: 'Set while the account is suspended' })
  suspendedAt!: Date | null;
}
