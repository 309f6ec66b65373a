import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { paginate, type Page } from '../../common/pagination/pagination';
import { SecretDecryptionError } from '../../common/secrets/key-ring';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad, type SecretColumnName } from '../../common/secrets/secret-columns';
import { assertCreatorOwnedAccess, ownedRowCaller } from '../../common/tenancy/creator-owned';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { HostsService } from '../hosts/hosts.service';
import { resolveTarget, UnresolvedHostError } from '../hosts/tcp-target';
import {
  toSshConnectionResponse,
  type CreateSshConnectionDto,
  type ListSshConnectionsQueryDto,
  type SshConnectionResponseDto,
  type SshConnectionTestResponseDto,
  type UpdateSshConnectionDto,
} from './dto/ssh-connection.dto';
import {
  SSH_CONNECTION_ORDER,
  SshConnectionsRepository,
  type SshConnectionData,
  type SshConnectionRow,
} from './ssh-connections.repository';
import { parsePrivateKey, probeSsh, type SshCredentials } from './ssh-probe';

/** Besides its owner, who changes and deletes a connection (API keys with `connections:write` too). */
const CONNECTION_MANAGERS = { orgRowEditors: 'ADMIN' } as const;
const DEFAULT_SSH_PORT = 22;

type Secrets = Pick<SshConnectionData, 'encryptedPassword' | 'encryptedPrivateKey' | 'encryptedPassphrase'>;

/**
 * SSH connections (seed 001): how the org's tests sign in to a machine. Every member reads them
 * (secrets masked as `has…` flags); EDITOR+ create them and test them; the owner (the creating
 * member) and ADMIN+ change and delete them, other EDITORs get 403. Secrets are encrypted with the
 * key ring, bound to the org and their column, and leave the server only towards the SSH server.
 */
@Injectable()
export class SshConnectionsService {
  constructor(
    private readonly repository: SshConnectionsRepository,
    private readonly hosts: HostsService,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly keyRing: KeyRing,
    private readonly outbound: OutboundPolicy,
    private readonly config: AppConfig,
    private readonly db: DbContext,
  ) {}

  async create(orgId: string, dto: CreateSshConnectionDto): Promise<SshConnectionResponseDto> {
    const target = await this.target(orgId, dto.hostId ?? undefined, dto.host);
    if (!target) throw invalid('hostId', 'Give hostId or host');
    const credentials = { password: dto.password ?? null, privateKey: dto.privateKey ?? null };
    const secrets = this.secrets(orgId, credentials, dto.passphrase ?? null);
    await this.features.assertCanAdd(orgId, 'connections');
    const row = await this.repository.create(
      orgId,
      {
        name: dto.name,
        ...target,
        port: dto.port ?? DEFAULT_SSH_PORT,
        username: dto.username,
        hostKeyFingerprint: dto.hostKeyFingerprint ?? null,
        ...secrets,
      },
      this.context.userId ?? null,
    );
    return toSshConnectionResponse(row);
  }

  list(orgId: string, query: ListSshConnectionsQueryDto): Promise<Page<SshConnectionResponseDto>> {
    return paginate(
      query,
      SSH_CONNECTION_ORDER,
      (page) => this.repository.list(orgId, { ...page, hostId: query.hostId, search: query.q }),
      toSshConnectionResponse,
    );
  }

  async get(orgId: string, id: string): Promise<SshConnectionResponseDto> {
    return toSshConnectionResponse(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, dto: UpdateSshConnectionDto): Promise<SshConnectionResponseDto> {
    const current = this.assertManages(await this.find(orgId, id));
    const { hostId, host, password, privateKey, passphrase, hostKeyFingerprint, ...rest } = dto;
    const target = hostId === null && host === undefined ? { hostId: null } : await this.target(orgId, hostId, host);
    const changes: Partial<SshConnectionData> = { ...rest, ...target };
    // Another address or port is another server: its key is pinned afresh, unless given here.
    const moved =
      (target && 'host' in target ? target.host : current.host) !== current.host ||
      (rest.port ?? current.port) !== current.port;
    if (hostKeyFingerprint !== undefined || moved) changes.hostKeyFingerprint = hostKeyFingerprint ?? null;
    if (password !== undefined || privateKey !== undefined || passphrase !== undefined) {
      // Unchanged secrets are read back, so the key is checked with its (possibly new) passphrase.
      const key = privateKey !== undefined ? privateKey : this.open(current, 'encryptedPrivateKey');
      // A new key (or none) does not keep the old key's passphrase.
      const phrase =
        passphrase !== undefined
          ? passphrase
          : privateKey !== undefined
            ? null
            : this.open(current, 'encryptedPassphrase');
      const pass = password !== undefined ? password : this.open(current, 'encryptedPassword');
      Object.assign(changes, this.secrets(orgId, { password: pass, privateKey: key }, phrase));
    }
    return toSshConnectionResponse(orNotFound(await this.repository.update(orgId, id, changes), 'SSH connection'));
  }

  async remove(orgId: string, id: string): Promise<void> {
    this.assertManages(await this.find(orgId, id));
    orNotFound(await this.repository.delete(orgId, id), 'SSH connection');
  }

  /**
   * A real SSH handshake and sign-in (SSH_TEST_TIMEOUT_MS), recorded on the connection: the
   * latency, the server's host key fingerprint, lastConnectedAt on success, the reason otherwise.
   * A failing target is a 200 with `ok: false`; only a target the outbound policy refuses is an
   * error (422, nothing recorded). The route has no request transaction: the read and the record
   * are short ones of their own, so no connection of the pool waits on the network meanwhile.
   */
  async test(orgId: string, id: string): Promise<SshConnectionTestResponseDto> {
    const row = await this.db.run(this.context.dbScope, () => this.find(orgId, id));
    const credentials: SshCredentials = {
      username: row.username,
      password: this.open(row, 'encryptedPassword') ?? undefined,
      privateKey: this.open(row, 'encryptedPrivateKey') ?? undefined,
      passphrase: this.open(row, 'encryptedPassphrase') ?? undefined,
    };
    let result: SshConnectionTestResponseDto;
    try {
      const address = await resolveTarget(row.host, this.outbound.rules, 'host');
      const pinned = row.hostKeyFingerprint ?? undefined;
      result = await probeSsh(address, row.port, credentials, this.config.SSH_TEST_TIMEOUT_MS, pinned);
    } catch (error) {
      if (!(error instanceof UnresolvedHostError)) throw error;
      result = { ok: false, latencyMs: 0, error: error.message };
    }
    const recorded = await this.db.run(this.context.dbScope, () =>
      this.repository.recordTest(orgId, id, {
        lastLatencyMs: result.latencyMs,
        lastError: result.ok ? null : (result.error ?? 'Failed'),
        // Trust on first use (OpenSSH's accept-new): the first host key seen is pinned.
        ...(result.fingerprint && !row.hostKeyFingerprint ? { hostKeyFingerprint: result.fingerprint } : {}),
        ...(result.ok ? { lastConnectedAt: new Date() } : {}),
      }),
    );
    orNotFound(recorded, 'SSH connection');
    return result;
  }

  private async find(orgId: string, id: string): Promise<SshConnectionRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'SSH connection');
  }

  /** Only its owner, ADMIN+ and API keys (their `:write` scope) change or delete a connection. */
  private assertManages(row: SshConnectionRow): SshConnectionRow {
    assertCreatorOwnedAccess(
      CONNECTION_MANAGERS,
      ownedRowCaller(this.context),
      { createdByUserId: row.createdByUserId, visibility: 'ORG' },
      'update',
      'SSH connection',
    );
    return row;
  }

  /**
   * Where the connection goes: one of the org's hosts (its address; 404 when not the org's) or an
   * address that passes the outbound policy. Undefined when neither is given; 400 for both.
   */
  private async target(
    orgId: string,
    hostId: string | null | undefined,
    host: string | undefined,
  ): Promise<{ hostId: string | null; host: string } | undefined> {
    if (hostId && host !== undefined) throw invalid('host', 'Give hostId or host, not both');
    if (hostId) return { hostId, host: (await this.hosts.find(orgId, hostId)).address };
    if (host === undefined) return undefined;
    await this.outbound.assertHostAllowed(host, 'host');
    return { hostId: null, host };
  }

  /** The encrypted secrets, after checking there is a credential and the key opens with the passphrase. */
  private secrets(
    orgId: string,
    credentials: { password: string | null; privateKey: string | null },
    passphrase: string | null,
  ): Secrets {
    const { password, privateKey } = credentials;
    if (password === null && privateKey === null) throw invalid('password', 'Give a password, a privateKey or both');
    if (passphrase !== null && privateKey === null) throw invalid('passphrase', 'A passphrase needs a privateKey');
    if (privateKey !== null) {
      const parsed = parsePrivateKey(privateKey, passphrase);
      if ('error' in parsed) {
        const field = /passphrase|decrypt|encrypted/i.test(parsed.error) ? 'passphrase' : 'privateKey';
        throw invalid(field, `The private key cannot be used: ${parsed.error}`);
      }
    }
    const seal = (column: SecretColumnName, value: string | null) =>
      value === null ? null : this.keyRing.encrypt(value, secretAad(column, orgId));
    return {
      encryptedPassword: seal('ssh_connections.encryptedPassword', password),
      encryptedPrivateKey: seal('ssh_connections.encryptedPrivateKey', privateKey),
      encryptedPassphrase: seal('ssh_connections.encryptedPassphrase', passphrase),
    };
  }

  /** One stored secret in clear (null when not set); 422 when the key ring cannot open it. */
  private open(
    row: SshConnectionRow,
    column: 'encryptedPassword' | 'encryptedPrivateKey' | 'encryptedPassphrase',
  ): string | null {
    const stored = row[column];
    if (stored === null) return null;
    try {
      return this.keyRing.decrypt(stored, secretAad(`ssh_connections.${column}`, row.orgId));
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      throw new AppException(
        'VALIDATION_FAILED',
        `A secret of the SSH connection ${row.name} cannot be read (was ENCRYPTION_KEYS changed?); set it again`,
        [{ field: column.replace('encrypted', '').replace(/^./, (c) => c.toLowerCase()), messages: ['unreadable'] }],
      );
    }
  }
}

function invalid(field: string, message: string): AppException {
  return new AppException('VALIDATION_FAILED', message, [{ field, messages: [message] }]);
}
