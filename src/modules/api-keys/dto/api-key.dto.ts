import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { knownScopes } from '../../../common/features/feature';

/** Scopes come from the modules' own declarations (`@Feature({ scope })`), read when a key is made. */
@ValidatorConstraint({ name: 'knownScope' })
class KnownScopeConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((scope) => typeof scope === 'string' && knownScopes().includes(scope));
  }

  defaultMessage(): string {
    return `each scope must be one of: ${knownScopes().join(', ')}`;
  }
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI pipeline', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** `<resource>:read` for GET routes, `<resource>:write` for the others. */
  @ApiProperty({
    type: 'array',
    // The modules declare the scopes when they load, after this class: a pattern, not an enum.
    items: { type: 'string', pattern: '^[a-z][a-z0-9-]*:(read|write)$', maxLength: 100 },
    example: ['variables:read'],
    minItems: 1,
    maxItems: 50,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Validate(KnownScopeConstraint)
  scopes!: string[];

  /** When the key stops working; must be in the future. Omit for a key that does not expire. */
  @ApiPropertyOptional({ example: '2027-12-31T23:59:59Z', type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  /** Requests per minute this key may make; the server default when omitted. */
  @ApiPropertyOptional({ example: 120, type: 'integer', format: 'int32', minimum: 1, maximum: 100000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  rateLimitPerMinute?: number;
}

/** A key as listed: its secret is never shown again, only the prefix that identifies it. */
export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  /** The first 11 characters of the key, e.g. `ob_AbCdEfGh`. */
  @ApiProperty() prefix!: string;
  @ApiProperty({ type: String, isArray: true }) scopes!: string[];
  @ApiProperty({ type: Number, nullable: true, description: 'null: the server default' })
  rateLimitPerMinute!: number | null;
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) lastUsedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) revokedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  /** The secret, shown this once: send it as `Authorization: Bearer <key>`. */
  @ApiProperty({ example: 'ob_3q2-7wZr...' }) key!: string;
}
