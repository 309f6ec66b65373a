import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { IsHostAddress, NameOrAddressQueryDto } from '../../hosts/dto/host.dto';
import type { SshConnectionRow } from '../ssh-connections.repository';

/** A SHA-256 host key fingerprint as OpenSSH prints it. */
const SSH_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Fields with a default but no empty value: absent means the default (or "leave as is"), null is a 400. */
const unlessAbsent = (_: object, value: unknown) => value !== undefined;

export class CreateSshConnectionDto {
  /** Unique in the organization. */
  @ApiProperty({ example: 'ci-runner-1 ssh', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** One of the org's hosts: the connection takes its address. Give this or `host`, not both. */
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    example: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  })
  @IsOptional()
  @IsUUID()
  hostId?: string | null;

  /** An IP address or host name (outbound policy applies: 422 OUTBOUND_URL_REFUSED). Give this or `hostId`. */
  @ApiPropertyOptional({ example: '203.0.113.10', maxLength: 253 })
  @ValidateIf(unlessAbsent)
  @IsString()
  @MaxLength(253)
  @IsHostAddress()
  host?: string;

  @ApiPropertyOptional({ example: 22, default: 22, minimum: 1, maximum: 65535 })
  @ValidateIf(unlessAbsent)
  @IsInt()
  @Min(1)
  @Max(65535)
  port?: number;

  @ApiProperty({ example: 'runner', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  username!: string;

  /** Stored encrypted, never returned. A password, a private key or both. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    maxLength: 1000,
    example: 'correct horse battery staple',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  password?: string | null;

  /** A private key (OpenSSH or PEM), checked when saved; stored encrypted, never returned. */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    maxLength: 20000,
    example: '-----BEGIN OPENSSH PRIVATE KEY-----\n…',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  privateKey?: string | null;

  /**
   * The server's host key as OpenSSH prints it, pinned: a test against any other key fails before
   * the credentials are sent. Left out (or null), the first test pins the key it sees; PATCH null
   * forgets it (after a reinstall), and a new host or port forgets it too.
   */
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: SSH_FINGERPRINT.source,
    maxLength: 50,
    example: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
  })
  @IsOptional()
  @Matches(SSH_FINGERPRINT, {
    message: 'hostKeyFingerprint must be SHA256: and 43 base64 characters, as OpenSSH prints it',
  })
  hostKeyFingerprint?: string | null;

  /** Decrypts an encrypted private key; stored encrypted, never returned. */
  @ApiPropertyOptional({ type: String, nullable: true, writeOnly: true, maxLength: 1000, example: 'key passphrase' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  passphrase?: string | null;
}

/**
 * Only the fields to change. `hostId` points the connection at another host (null detaches it,
 * keeping the address); `host` sets an address and detaches it. null clears password, privateKey
 * (and with it the passphrase) and passphrase; at least one credential must remain.
 */
export class UpdateSshConnectionDto extends PatchOf(CreateSshConnectionDto) {}

export class ListSshConnectionsQueryDto extends NameOrAddressQueryDto {
  /** Only the connections made from this host. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  hostId?: string;
}

export class SshConnectionResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty() name!: string;
  /** The host it was made from; null when given an address directly (or the host was deleted). */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) hostId!: string | null;
  @ApiProperty({ example: '203.0.113.10' }) host!: string;
  @ApiProperty({ example: 22 }) port!: number;
  @ApiProperty({ example: 'runner' }) username!: string;
  /** Which secrets are stored (they are never returned). */
  @ApiProperty() hasPassword!: boolean;
  @ApiProperty() hasPrivateKey!: boolean;
  @ApiProperty() hasPassphrase!: boolean;
  /** The member who created it (they and ADMIN+ change it); null once their account is deleted, or for an API key's. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) ownerUserId!: string | null;
  /** The pinned host key, as OpenSSH prints it: given, or the first one a test saw (null: none yet). */
  @ApiProperty({ type: String, nullable: true, example: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' })
  hostKeyFingerprint!: string | null;
  /** The last successful test. */
  @ApiProperty({ type: Date, nullable: true }) lastConnectedAt!: Date | null;
  @ApiProperty({ type: Number, nullable: true, example: 85 }) lastLatencyMs!: number | null;
  /** Why the last test failed; null after a success. */
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class SshConnectionTestResponseDto {
  /** The handshake and sign-in succeeded. */
  @ApiProperty() ok!: boolean;
  @ApiProperty({ example: 85 }) latencyMs!: number;
  /** Why not (refused, timed out, authentication failed, …). */
  @ApiPropertyOptional({ example: 'All configured authentication methods failed' }) error?: string;
  /** The server's host key, SHA256 as OpenSSH prints it (when the handshake got that far). */
  @ApiPropertyOptional({ example: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' }) fingerprint?: string;
  /** The server's identification line. */
  @ApiPropertyOptional({ example: 'SSH-2.0-OpenSSH_9.6' }) serverVersion?: string;
}

/** What of a connection a client sees: never its secrets, only whether they are set. */
export function toSshConnectionResponse(row: SshConnectionRow): SshConnectionResponseDto {
  const { id, orgId, name, hostId, host, port, username, hostKeyFingerprint } = row;
  const { lastConnectedAt, lastLatencyMs, lastError, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    name,
    hostId,
    host,
    port,
    username,
    hasPassword: row.encryptedPassword !== null,
    hasPrivateKey: row.encryptedPrivateKey !== null,
    hasPassphrase: row.encryptedPassphrase !== null,
    ownerUserId: row.createdByUserId,
    hostKeyFingerprint,
    lastConnectedAt,
    lastLatencyMs,
    lastError,
    createdAt,
    updatedAt,
  };
}
