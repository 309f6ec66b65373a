import { isIP } from 'node:net';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { HostStatus, HostType } from '../../../generated/prisma/enums';
import type { HostRow } from '../hosts.repository';

/** Fields with a default but no empty value: absent means the default (or "leave as is"), null is a 400. */
const unlessAbsent = (_: object, value: unknown) => value !== undefined;
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** An IP address (v4 or v6, brackets allowed) or a DNS host name. */
export function IsHostAddress() {
  return ValidateBy({
    name: 'isHostAddress',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && (isIP(value.replace(/^\[(.*)\]$/, '$1')) !== 0 || HOST_NAME.test(value)),
      defaultMessage: (args) => `${args?.property ?? 'value'} must be an IP address or a host name`,
    },
  });
}

/** The TCP port a host is reached on when none is given: WinRM for Windows, SSH otherwise. */
export function defaultPort(type: HostType): number {
  return type === HostType.WINDOWS ? 5985 : 22;
}

export class CreateHostDto {
  /** Unique in the organization. */
  @ApiProperty({ example: 'ci-runner-1', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Linux runner for the nightly suite', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ enum: HostType, enumName: 'HostType', default: HostType.LINUX })
  @ValidateIf(unlessAbsent)
  @IsIn(Object.values(HostType))
  type?: HostType;

  /**
   * Where the host is: an IP address or a host name. It must pass the outbound (SSRF) policy
   * (422 OUTBOUND_URL_REFUSED): never link-local or metadata addresses, private ones only when
   * the server allows them.
   */
  @ApiProperty({ example: '203.0.113.10', maxLength: 253 })
  @IsString()
  @MaxLength(253)
  @IsHostAddress()
  ip!: string;

  /** The port the check connects to; default 22, or 5985 (WinRM) for WINDOWS hosts. */
  @ApiPropertyOptional({ example: 22, minimum: 1, maximum: 65535 })
  @ValidateIf(unlessAbsent)
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  /** The account used on the host. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'runner', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  user?: string | null;

  /** The account's password. Stored encrypted; never returned (`hasPassword` says whether one is set). */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'correct horse battery staple', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  password?: string | null;
}

/** Only the fields to change; null clears description, user and password. */
export class UpdateHostDto extends PatchOf(CreateHostDto) {}

/** A page of a list searchable by name and address (hosts, SSH connections). */
export class NameOrAddressQueryDto extends PageQueryDto {
  /** Case-insensitive search in the name and the address. */
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  q?: string;
}

export class ListHostsQueryDto extends NameOrAddressQueryDto {
  @ApiPropertyOptional({ enum: HostStatus, enumName: 'HostStatus' })
  @IsOptional()
  @IsIn(Object.values(HostStatus))
  status?: HostStatus;

  @ApiPropertyOptional({ enum: HostType, enumName: 'HostType' })
  @IsOptional()
  @IsIn(Object.values(HostType))
  type?: HostType;
}

export class HostResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: HostType, enumName: 'HostType' }) type!: HostType;
  /** type is WINDOWS. */
  @ApiProperty() isWindows!: boolean;
  @ApiProperty({ example: '203.0.113.10' }) ip!: string;
  @ApiProperty({ example: 22 }) port!: number;
  @ApiProperty({ type: String, nullable: true }) user!: string | null;
  /** Whether a password is stored (it is never returned). */
  @ApiProperty() hasPassword!: boolean;
  /** PENDING until the first check; then ONLINE (connected), OFFLINE (refused, no answer) or ERROR (e.g. DNS). */
  @ApiProperty({ enum: HostStatus, enumName: 'HostStatus' }) status!: HostStatus;
  @ApiProperty({ type: Date, nullable: true }) lastCheckedAt!: Date | null;
  /** The last check's TCP connect time (or how long it waited before failing). */
  @ApiProperty({ type: Number, nullable: true, example: 12 }) lastLatencyMs!: number | null;
  /** Why the last check failed; null after a success. */
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

/** What of a host a client sees: never the password. */
export function toHostResponse(row: HostRow): HostResponseDto {
  const { id, orgId, name, description, hostType, address, port, username, status } = row;
  const { lastCheckedAt, lastLatencyMs, lastError, createdByUserId, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    description,
    type: hostType,
    isWindows: hostType === HostType.WINDOWS,
    ip: address,
    port,
    user: username,
    hasPassword: row.encryptedPassword !== null,
    status,
    lastCheckedAt,
    lastLatencyMs,
    lastError,
    createdByUserId,
    createdAt,
    updatedAt,
  };
}
