import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { AiProvider, ProviderKeyScope } from '../../../generated/prisma/enums';
import type { ProviderKeyRow } from '../provider-keys.repository';

/** Fields with a default but no empty value: absent means the default (or "leave as is"), null is a 400. */
const unlessAbsent = (_: object, value: unknown) => value !== undefined;
const MASK = '••••';

export class CreateProviderKeyDto {
  @ApiProperty({ enum: AiProvider, enumName: 'AiProvider' })
  @IsIn(Object.values(AiProvider))
  provider!: AiProvider;

  @ApiProperty({ example: 'OpenAI production', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** The provider's secret. Stored encrypted; never returned (reads show its last four characters). */
  @ApiProperty({ example: 'sk-proj-…', maxLength: 1000, writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(/^\S+$/, { message: 'apiKey must not contain spaces' })
  apiKey!: string;

  /**
   * Where the provider's API is: required for OPENAI_COMPATIBLE (e.g. `http://llm.internal:8000/v1`),
   * an override for the others (a proxy; Anthropic's without `/v1`). It must pass the outbound
   * policy (422 OUTBOUND_URL_REFUSED otherwise).
   */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://api.openai.com/v1', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  baseUrl?: string | null;

  /** The model calls use when they name none. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'gpt-4o-mini', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  defaultModel?: string | null;

  /**
   * ORG: the organization's key (ADMIN+ manages it, EDITOR+ uses it). PERSONAL: the caller's own,
   * seen and used by them alone.
   */
  @ApiPropertyOptional({ enum: ProviderKeyScope, enumName: 'ProviderKeyScope', default: ProviderKeyScope.ORG })
  @ValidateIf(unlessAbsent)
  @IsIn(Object.values(ProviderKeyScope))
  scope?: ProviderKeyScope;

  /** ORG keys only: the org's default key for its provider (the previous default stops being it). */
  @ApiPropertyOptional({ default: false })
  @ValidateIf(unlessAbsent)
  @IsBoolean()
  isDefault?: boolean;

  /** false: kept but not usable. */
  @ApiPropertyOptional({ default: true })
  @ValidateIf(unlessAbsent)
  @IsBoolean()
  isActive?: boolean;
}

/** Only the fields to change; a key's provider and scope stay what they were made with. */
export class UpdateProviderKeyDto extends PatchOf(OmitType(CreateProviderKeyDto, ['provider', 'scope'] as const)) {}

export class ListProviderKeysQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AiProvider, enumName: 'AiProvider' })
  @IsOptional()
  @IsIn(Object.values(AiProvider))
  provider?: AiProvider;

  @ApiPropertyOptional({ enum: ProviderKeyScope, enumName: 'ProviderKeyScope' })
  @IsOptional()
  @IsIn(Object.values(ProviderKeyScope))
  scope?: ProviderKeyScope;
}

export class ProviderKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ enum: AiProvider, enumName: 'AiProvider' }) provider!: AiProvider;
  @ApiProperty() name!: string;
  /** The secret's last four characters, nothing more. */
  @ApiProperty({ example: '••••abcd' }) maskedKey!: string;
  @ApiProperty({ type: String, nullable: true }) baseUrl!: string | null;
  @ApiProperty({ type: String, nullable: true }) defaultModel!: string | null;
  @ApiProperty({ enum: ProviderKeyScope, enumName: 'ProviderKeyScope' }) scope!: ProviderKeyScope;
  /** The owner of a PERSONAL key; null for ORG keys. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) ownerUserId!: string | null;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty() isActive!: boolean;
  @ApiProperty({ type: Date, nullable: true }) lastUsedAt!: Date | null;
  /** Bumped by every update (the ETag). */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ProviderKeyTestResponseDto {
  /** Whether the provider accepted the key. */
  @ApiProperty() ok!: boolean;
  @ApiProperty({ example: 312 }) latencyMs!: number;
  /** Why not, in the provider's words with any secret cut out. */
  @ApiPropertyOptional({ example: 'The provider answered 401: Incorrect API key provided' }) error?: string;
  /** The provider's HTTP status when it answered with an error. */
  @ApiPropertyOptional({ example: 401 }) status?: number;
  /** A few of the models the key can use. */
  @ApiPropertyOptional({ type: [String], example: ['gpt-4o-mini'] }) models?: string[];
}

/** The last four characters of a secret of at least 8 (shorter ones show nothing). */
export function last4Of(secret: string): string {
  const chars = Array.from(secret);
  return chars.length < 8 ? '' : chars.slice(-4).join('');
}

/** What of a key a client sees: never the secret, only its last four characters. */
export function toProviderKeyResponse(row: ProviderKeyRow): ProviderKeyResponseDto {
  const { id, orgId, provider, name, last4, baseUrl, defaultModel, scope, ownerUserId, isDefault, isActive } = row;
  const { lastUsedAt, version, createdByUserId, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    provider,
    name,
    maskedKey: MASK + last4,
    baseUrl,
    defaultModel,
    scope,
    ownerUserId,
    isDefault,
    isActive,
    lastUsedAt,
    version,
    createdByUserId,
    createdAt,
    updatedAt,
  };
}
