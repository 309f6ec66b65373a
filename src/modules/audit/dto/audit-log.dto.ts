import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';

/** Filters shared by the list and the export. */
export class AuditLogFilterDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The user or API key that acted' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ example: 'variable.updated', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ example: 'variable', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  resourceType?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  resourceId?: string;

  /** Entries at or after this time. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  /** Entries at or before this time. */
  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601()
  to?: string;
}

export class ListAuditLogsQueryDto extends IntersectionType(PageQueryDto, AuditLogFilterDto) {}

export class ExportAuditLogsQueryDto extends AuditLogFilterDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format: 'ndjson' | 'csv' = 'ndjson';
}

export class AuditLogResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  /** Position in the organization's chain (a decimal string: it is a 64-bit integer). */
  @ApiProperty({ example: '42' }) seq!: string;
  @ApiProperty({ enum: ['USER', 'API_KEY', 'SYSTEM'] }) actorType!: 'USER' | 'API_KEY' | 'SYSTEM';
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorId!: string | null;
  @ApiProperty({ example: 'variable.updated' }) action!: string;
  @ApiProperty({ example: 'variable' }) resourceType!: string;
  @ApiProperty({ type: String, nullable: true }) resourceId!: string | null;
  @ApiProperty({
    type: Object,
    nullable: true,
    description: 'The resource before the change, secrets redacted, email addresses left out',
  })
  before!: unknown;
  @ApiProperty({
    type: Object,
    nullable: true,
    description: 'The resource after the change, secrets redacted, email addresses left out',
  })
  after!: unknown;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;
  @ApiProperty() createdAt!: Date;
  /** SHA-256 of this entry, prevHash included. */
  @ApiProperty() hash!: string;
  /** The previous entry's hash; null for the first entry. */
  @ApiProperty({ type: String, nullable: true }) prevHash!: string | null;
}

export class AuditVerifyResponseDto {
  /** True when every entry's hash, link and sequence number check out. */
  @ApiProperty() valid!: boolean;
  /** How many entries were checked (up to and including the first invalid one). */
  @ApiProperty() checked!: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'The first entry that does not check out' })
  firstInvalidId?: string;
}
