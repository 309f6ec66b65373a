import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsFQDN,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import { MemberRole, OrgTier } from '../../../generated/prisma/enums';

export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const FLAG_NAME_PATTERN = /^[a-z][a-zA-Z0-9_.-]{0,63}$/;
export const MAX_FEATURE_FLAGS = 100;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lowerTrim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
/** PATCH fields that cannot be cleared: null is an error, absent means "leave as is". */
const unlessAbsent = (_: object, value: unknown) => value !== undefined;

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Acme Labs', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** Lowercase kebab-case, 3–50 characters; made from the name when absent. */
  @ApiPropertyOptional({ example: 'acme-labs', pattern: SLUG_PATTERN.source, minLength: 3, maxLength: 50 })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(50)
  @Matches(SLUG_PATTERN, { message: 'slug must be lowercase letters and digits separated by single hyphens' })
  slug?: string;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ example: 'Acme Research', minLength: 1, maxLength: 100 })
  @ValidateIf(unlessAbsent)
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: 'acme-research', pattern: SLUG_PATTERN.source, minLength: 3, maxLength: 50 })
  @ValidateIf(unlessAbsent)
  @IsString()
  @MinLength(3)
  @MaxLength(50)
  @Matches(SLUG_PATTERN, { message: 'slug must be lowercase letters and digits separated by single hyphens' })
  slug?: string;

  /** The organization's email/web domain, unique across organizations; null clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'acme.com', maxLength: 253 })
  @IsOptional()
  @Transform(lowerTrim)
  @IsString()
  @MaxLength(253)
  @IsFQDN({}, { message: 'domain must be a domain name such as example.com' })
  domain?: string | null;
}

export class TransferOwnershipDto {
  /** An active member who becomes OWNER; the caller becomes ADMIN. */
  @ApiProperty({ example: '01936f3e-8c2a-7b4d-9e1f-2a3b4c5d6e7f', format: 'uuid' })
  @IsUUID()
  userId!: string;
}

/** `{ name: boolean }`, names as FLAG_NAME_PATTERN, at most MAX_FEATURE_FLAGS of them. */
function IsFeatureFlags(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isFeatureFlags',
      target: target.constructor,
      propertyName,
      options: {
        message: `flags must map at most ${MAX_FEATURE_FLAGS} names (a letter, then letters, digits, _ . -, up to 64 characters) to booleans`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= MAX_FEATURE_FLAGS &&
            entries.every(([name, flag]) => FLAG_NAME_PATTERN.test(name) && typeof flag === 'boolean')
          );
        },
      },
    });
}

export class FeatureFlagsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'boolean' },
    maxProperties: MAX_FEATURE_FLAGS,
    example: { newEditor: true, 'beta.export': false },
  })
  @IsObject()
  @IsFeatureFlags()
  flags!: Record<string, boolean>;
}

export class LimitUsageDto {
  @ApiProperty({ type: Number, nullable: true, description: 'null means unlimited' }) limit!: number | null;
  @ApiProperty() used!: number;
}

export class OrganizationLimitsResponseDto {
  @ApiProperty({ enum: OrgTier, enumName: 'OrgTier' }) tier!: OrgTier;
  /** One entry per limit the modules declare; `members` counts pending invitations too. */
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(LimitUsageDto) },
    example: { members: { limit: 5, used: 2 }, variables: { limit: 100, used: 12 } },
  })
  limits!: Record<string, LimitUsageDto>;
}

export class OrganizationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ type: String, nullable: true }) domain!: string | null;
  @ApiProperty({ enum: OrgTier, enumName: 'OrgTier' }) tier!: OrgTier;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' } })
  featureFlags!: Record<string, boolean>;
  /** The tier's limits with this organization's overrides; null is unlimited. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer', nullable: true }, example: { members: 5 } })
  limits!: Record<string, number | null>;
  /** The caller's role in this organization. */
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole' }) role!: MemberRole;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) deletedAt!: Date | null;
}
