import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { API_KEY_SCOPES } from '../../../common/auth/scopes';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI pipeline', minLength: 1, maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** `<resource>:read` for GET routes, `<resource>:write` for the others. */
  @ApiProperty({ type: String, isArray: true, enum: API_KEY_SCOPES, minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsIn(API_KEY_SCOPES, { each: true, message: `each scope must be one of: ${API_KEY_SCOPES.join(', ')}` })
  scopes!: string[];

  /** When the key stops working; must be in the future. Omit for a key that does not expire. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;

  /** Requests per minute this key may make; the server default when omitted. */
  @ApiPropertyOptional({ minimum: 1, maximum: 100000 })
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
