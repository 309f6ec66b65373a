import { Injectable } from '@nestjs/common';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { SshConnection } from '../../generated/prisma/client';
import { AuditedWrites } from '../audit/audited-writes';

/** An SSH connection as stored (its secrets still encrypted). */
export type SshConnectionRow = SshConnection;

export interface SshConnectionData {
  name: string;
  hostId: string | null;
  host: string;
  port: number;
  username: string;
  /** The pinned host key (null: the next test pins the key it sees). */
  hostKeyFingerprint: string | null;
  encryptedPassword: string | null;
  encryptedPrivateKey: string | null;
  encryptedPassphrase: string | null;
}

/** What a test found, as recorded on the connection (lastConnectedAt only on success). */
export interface SshTestRecord {
  lastLatencyMs: number;
  lastError: string | null;
  hostKeyFingerprint?: string;
  lastConnectedAt?: Date;
}

/** Lists go by name, id breaking ties: keyset pagination on the (orgId, name) index. */
export const SSH_CONNECTION_ORDER = { name: 'string', id: 'uuid' } as const satisfies CursorShape;

/** What enters the audit log: whether each secret is set, never the ciphertext. */
const auditView = (row: SshConnectionRow) => {
  const { encryptedPassword, encryptedPrivateKey, encryptedPassphrase, ...rest } = row;
  return {
    ...rest,
    hasPassword: encryptedPassword !== null,
    hasPrivateKey: encryptedPrivateKey !== null,
    hasPassphrase: encryptedPassphrase !== null,
  };
};

/** Every method takes orgId first and filters on it; writes go through AuditedWrites. */
@Injectable()
export class SshConnectionsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: SshConnectionData, createdByUserId: string | null): Promise<SshConnectionRow> {
    return this.audited.create(
      'ssh_connection',
      () => this.db.client.sshConnection.create({ data: { ...data, orgId, createdByUserId } }),
      { view: auditView },
    );
  }

  list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof SSH_CONNECTION_ORDER>; hostId?: string; search?: string },
  ): Promise<SshConnectionRow[]> {
    const page = keyset(SSH_CONNECTION_ORDER, 'asc', options.after);
    const search = options.search ? { contains: options.search, mode: 'insensitive' as const } : undefined;
    return this.db.client.sshConnection.findMany({
      where: {
        orgId,
        hostId: options.hostId,
        AND: [...(search ? [{ OR: [{ name: search }, { host: search }] }] : []), page.where],
      },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.sshConnection.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<SshConnectionRow | null> {
    return this.db.client.sshConnection.findFirst({ where: { orgId, id } });
  }

  /** Null when there is no such connection. */
  update(orgId: string, id: string, data: Partial<SshConnectionData>): Promise<SshConnectionRow | null> {
    return this.audited.update(
      'ssh_connection',
      () => this.lock(orgId, id),
      () => this.db.client.sshConnection.update({ where: { id, orgId }, data }),
      { view: auditView },
    );
  }

  /** Records a test's result (audited as `ssh_connection.tested`: a use of its credentials); null when gone. */
  recordTest(orgId: string, id: string, data: SshTestRecord): Promise<SshConnectionRow | null> {
    return this.audited.update(
      'ssh_connection',
      () => this.lock(orgId, id),
      () => this.db.client.sshConnection.update({ where: { id, orgId }, data }),
      { view: auditView, action: 'ssh_connection.tested' },
    );
  }

  delete(orgId: string, id: string): Promise<SshConnectionRow | null> {
    return this.audited.delete(
      'ssh_connection',
      () => this.lock(orgId, id),
      () => this.db.client.sshConnection.delete({ where: { id, orgId } }),
      { view: auditView },
    );
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<SshConnectionRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM ssh_connections WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
