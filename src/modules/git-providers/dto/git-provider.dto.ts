import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { GitProviderType, SyncStatus } from '../../../generated/prisma/enums';
import type { GitProviderRow } from '../git-providers.repository';

/** The provider types a sync can list repositories of (the schema's enum names more). */
export const SUPPORTED_GIT_PROVIDERS = [GitProviderType.GITHUB, GitProviderType.GITLAB] as const;
export type SupportedGitProvider = (typeof SUPPORTED_GIT_PROVIDERS)[number];

export class CreateGitProviderDto {
  /** Unique in the organization. */
  @ApiProperty({ example: 'github-acme', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Acme on GitHub', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string | null;

  @ApiProperty({ enum: SUPPORTED_GIT_PROVIDERS, enumName: 'SupportedGitProviderType' })
  @IsIn(SUPPORTED_GIT_PROVIDERS)
  type!: SupportedGitProvider;

  /**
   * A GitHub Enterprise Server (its web address: the API is `<serverUrl>/api/v3`) or a
   * self-hosted GitLab; absent: github.com or gitlab.com. It must pass the outbound policy (422
   * OUTBOUND_URL_REFUSED otherwise).
   */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://git.acme.example', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'serverUrl must be an http(s) URL' })
  @MaxLength(2000)
  serverUrl?: string | null;

  /** A personal access token or an OAuth access token. Stored encrypted; never returned. */
  @ApiProperty({ example: 'ghp_…', maxLength: 2000, writeOnly: true })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @Matches(/^\S+$/, { message: 'accessToken must not contain spaces' })
  accessToken!: string;

  /** The OAuth refresh token, used when the access token expired or is rejected. Stored encrypted; never returned. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'ghr_…', maxLength: 2000, writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  @Matches(/^\S+$/, { message: 'refreshToken must not contain spaces' })
  refreshToken?: string | null;

  /** When the access token expires; a sync after it refreshes the token first. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

/** Only the fields to change; the type stays what the provider was made with; null clears the optional ones. */
export class UpdateGitProviderDto extends PatchOf(OmitType(CreateGitProviderDto, ['type'] as const)) {}

export class ListGitProvidersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SUPPORTED_GIT_PROVIDERS, enumName: 'SupportedGitProviderType' })
  @IsOptional()
  @IsIn(SUPPORTED_GIT_PROVIDERS)
  type?: SupportedGitProvider;
}

export class GitProviderResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) displayName!: string | null;
  @ApiProperty({ enum: GitProviderType, enumName: 'GitProviderType' }) type!: GitProviderType;
  @ApiProperty({ type: String, nullable: true }) serverUrl!: string | null;
  /** Whether a refresh token is stored (the tokens themselves are never returned). */
  @ApiProperty() hasRefreshToken!: boolean;
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
  /** The last sync's state; null before the first. */
  @ApiProperty({ type: String, enum: Object.values(SyncStatus), nullable: true }) syncStatus!: SyncStatus | null;
  /** When the last successful sync ended. */
  @ApiProperty({ type: Date, nullable: true }) lastSyncedAt!: Date | null;
  /** Why the last sync failed. */
  @ApiProperty({ type: String, nullable: true, example: 'The provider answered 401: token rejected' })
  syncError!: string | null;
  @ApiProperty({ example: 12 }) repositoryCount!: number;
  /** The owner: the member who created it. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class GitProviderTestResponseDto {
  /** Whether the provider accepted the token. */
  @ApiProperty() ok!: boolean;
  @ApiProperty({ example: 212 }) latencyMs!: number;
  /** The token's user on the provider. */
  @ApiPropertyOptional({ example: 'octocat' }) login?: string;
  @ApiPropertyOptional({ example: 'The provider answered 401: token rejected' }) error?: string;
}

/** What of a provider a client sees: never its tokens. */
export function toGitProviderResponse(row: GitProviderRow): GitProviderResponseDto {
  const { id, orgId, name, displayName, providerType, serverUrl, encryptedRefreshToken, tokenExpiresAt } = row;
  const { syncStatus, lastSyncedAt, syncError, repositoryCount, createdByUserId, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    displayName,
    type: providerType,
    serverUrl,
    hasRefreshToken: encryptedRefreshToken !== null,
    expiresAt: tokenExpiresAt,
    syncStatus,
    lastSyncedAt,
    syncError,
    repositoryCount,
    createdByUserId,
    createdAt,
    updatedAt,
  };
}
