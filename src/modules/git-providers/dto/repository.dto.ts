import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { NameSearchQueryDto } from '../../../common/dto/library-fields.dto';
import { SyncStatus } from '../../../generated/prisma/enums';
import type { RepositoryRow } from '../repositories.repository';

/** `q` searches name and fullName, case-insensitive. */
export class ListRepositoriesQueryDto extends NameSearchQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  providerId?: string;

  @ApiPropertyOptional({ enum: SyncStatus, enumName: 'SyncStatus' })
  @IsOptional()
  @IsIn(Object.values(SyncStatus))
  syncStatus?: SyncStatus;
}

export class RepositoryResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ format: 'uuid' }) providerId!: string;
  /** The provider's own id of the repository. */
  @ApiProperty({ type: String, nullable: true, example: '1296269' }) externalId!: string | null;
  @ApiProperty({ example: 'hello-world' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: 'octocat/hello-world' }) fullName!: string | null;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://github.com/octocat/hello-world' })
  url!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'main' }) defaultBranch!: string | null;
  @ApiProperty() isPrivate!: boolean;
  @ApiProperty({ enum: SyncStatus, enumName: 'SyncStatus' }) syncStatus!: SyncStatus;
  @ApiProperty({ type: Date, nullable: true }) lastSyncedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true }) syncError!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export function toRepositoryResponse(row: RepositoryRow): RepositoryResponseDto {
  const { id, orgId, providerId, externalId, name, fullName, description, url, defaultBranch, isPrivate } = row;
  const { syncStatus, lastSyncedAt, syncError, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    providerId,
    externalId,
    name,
    fullName,
    description,
    url,
    defaultBranch,
    isPrivate,
    syncStatus,
    lastSyncedAt,
    syncError,
    createdAt,
    updatedAt,
  };
}
