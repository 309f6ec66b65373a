import { Injectable } from '@nestjs/common';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Host } from '../../generated/prisma/client';
import type { HostStatus, HostType } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

/** A host as stored (the password still encrypted). */
export type HostRow = Host;

export interface HostData {
  name: string;
  description?: string | null;
  hostType: HostType;
  address: string;
  port: number;
  username?: string | null;
  encryptedPassword?: string | null;
}

/** What a check found: the new status, its latency and error. */
export interface HostCheckResult {
  status: HostStatus;
  lastLatencyMs: number | null;
  lastError: string | null;
}

/** Lists go by name, id breaking ties: keyset pagination on the (orgId, name) index. */
export const HOST_ORDER = { name: 'string', id: 'uuid' } as const satisfies CursorShape;

/** What enters the audit log: the row without its ciphertext (the log redacts it anyway). */
const auditView = ({ encryptedPassword, ...rest }: HostRow) => ({ ...rest, hasPassword: encryptedPassword !== null });

/** Every method takes orgId first and filters on it; writes go through AuditedWrites. */
@Injectable()
export class HostsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: HostData, createdByUserId: string | null): Promise<HostRow> {
    return this.audited.create(
      'host',
      () => this.db.client.host.create({ data: { ...data, orgId, createdByUserId } }),
      {
        view: auditView,
      },
    );
  }

  list(
    orgId: string,
    options: {
      take: number;
      after?: Cursor<typeof HOST_ORDER>;
      status?: HostStatus;
      hostType?: HostType;
      search?: string;
    },
  ): Promise<HostRow[]> {
    const page = keyset(HOST_ORDER, 'asc', options.after);
    const search = options.search ? { contains: options.search, mode: 'insensitive' as const } : undefined;
    return this.db.client.host.findMany({
      where: {
        orgId,
        status: options.status,
        hostType: options.hostType,
        AND: [...(search ? [{ OR: [{ name: search }, { address: search }] }] : []), page.where],
      },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.host.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<HostRow | null> {
    return this.db.client.host.findFirst({ where: { orgId, id } });
  }

  /**
   * Null when there is no such host. A new address reaches the SSH connections made from this
   * host in the same transaction (they copied it when they were made).
   */
  update(orgId: string, id: string, data: Partial<HostData>): Promise<HostRow | null> {
    return this.audited.update(
      'host',
      () => this.lock(orgId, id),
      async (before) => {
        if (data.address !== undefined && data.address !== before.address)
          await this.db.client.sshConnection.updateMany({ where: { orgId, hostId: id }, data: { host: data.address } });
        return this.db.client.host.update({ where: { id, orgId }, data });
      },
      { view: auditView },
    );
  }

  /** Records a check's result (audited as `host.checked`); null when the host is gone. */
  recordCheck(orgId: string, id: string, result: HostCheckResult): Promise<HostRow | null> {
    return this.audited.update(
      'host',
      () => this.lock(orgId, id),
      () => this.db.client.host.update({ where: { id, orgId }, data: { ...result, lastCheckedAt: new Date() } }),
      { view: auditView, action: 'host.checked' },
    );
  }

  /**
   * Deletes the host; the SSH connections made from it are detached first (hostId null, their
   * copied address kept) in the same transaction, since the foreign key restricts the delete.
   */
  delete(orgId: string, id: string): Promise<HostRow | null> {
    return this.audited.delete(
      'host',
      () => this.lock(orgId, id),
      async () => {
        await this.db.client.sshConnection.updateMany({ where: { orgId, hostId: id }, data: { hostId: null } });
        await this.db.client.host.delete({ where: { id, orgId } });
      },
      { view: auditView },
    );
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<HostRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM hosts WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
