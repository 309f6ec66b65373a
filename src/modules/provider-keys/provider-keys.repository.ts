import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { ProviderKey } from '../../generated/prisma/client';
import type { AiProvider, ProviderKeyScope } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

/** A provider key as stored (the secret still encrypted). */
export type ProviderKeyRow = ProviderKey;

export interface ProviderKeyData {
  provider: AiProvider;
  name: string;
  encryptedKey: string;
  last4: string;
  baseUrl?: string | null;
  defaultModel?: string | null;
  scope: ProviderKeyScope;
  ownerUserId: string | null;
  isDefault?: boolean;
  isActive?: boolean;
}

export type ProviderKeyChanges = Partial<
  Pick<ProviderKeyData, 'name' | 'encryptedKey' | 'last4' | 'baseUrl' | 'defaultModel' | 'isDefault' | 'isActive'>
>;

/** Lists go oldest first by id (UUIDv7, so creation order). */
export const PROVIDER_KEY_ORDER = { id: 'uuid' } as const satisfies CursorShape;

/** What enters the audit log: the row without its ciphertext (the log redacts it anyway). */
const auditView = ({ encryptedKey, ...rest }: ProviderKeyRow) => {
  void encryptedKey;
  return rest;
};

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); row-level security (layer 3)
 * shows PERSONAL keys to their owner alone, so every read here is already the caller's view.
 * Writes go through AuditedWrites.
 */
@Injectable()
export class ProviderKeysRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  /** Creates a key; one made the org's default takes that place from the previous default in the same transaction. */
  create(orgId: string, data: ProviderKeyData, createdByUserId: string | null): Promise<ProviderKeyRow> {
    return this.audited.create(
      'provider_key',
      async () => {
        if (data.isDefault) await this.unsetDefault(orgId, data.provider, null);
        return this.db.client.providerKey.create({ data: { ...data, orgId, createdByUserId } });
      },
      { view: auditView },
    );
  }

  list(
    orgId: string,
    options: {
      take: number;
      after?: Cursor<typeof PROVIDER_KEY_ORDER>;
      provider?: AiProvider;
      scope?: ProviderKeyScope;
    },
  ): Promise<ProviderKeyRow[]> {
    const page = keyset(PROVIDER_KEY_ORDER, 'asc', options.after);
    return this.db.client.providerKey.findMany({
      where: { orgId, provider: options.provider, scope: options.scope, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  /** The keys the caller sees: the org's, and their own personal ones (row-level security). */
  count(orgId: string): Promise<number> {
    return this.db.client.providerKey.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<ProviderKeyRow | null> {
    return this.db.client.providerKey.findFirst({ where: { orgId, id } });
  }

  /** Null when there is no such key; 412 VERSION_CONFLICT when `expected` is not its version. */
  update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    data: ProviderKeyChanges,
  ): Promise<ProviderKeyRow | null> {
    return this.audited.update(
      'provider_key',
      () => this.lock(orgId, id),
      async (before) => {
        const version = matchVersion(before.version, expected);
        if (data.isDefault && !before.isDefault) await this.unsetDefault(orgId, before.provider, id);
        return this.db.client.providerKey.update({
          where: { id, orgId, version },
          data: { ...data, version: { increment: 1 } },
        });
      },
      { view: auditView },
    );
  }

  delete(orgId: string, id: string, expected: ExpectedVersion): Promise<ProviderKeyRow | null> {
    return this.audited.delete(
      'provider_key',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.providerKey.delete({ where: { id, orgId, version: matchVersion(before.version, expected) } }),
      { view: auditView },
    );
  }

  /** Records a use (a model call or a test); not a change of the key, so no new version or audit entry. */
  async touch(orgId: string, id: string): Promise<void> {
    await this.db.client.providerKey.updateMany({ where: { orgId, id }, data: { lastUsedAt: new Date() } });
  }

  /** The org's default key of `provider` stops being it (a new default takes its place). */
  private async unsetDefault(orgId: string, provider: AiProvider, exceptId: string | null): Promise<void> {
    await this.db.client.providerKey.updateMany({
      where: { orgId, provider, scope: 'ORG', isDefault: true, ...(exceptId ? { id: { not: exceptId } } : {}) },
      data: { isDefault: false, version: { increment: 1 } },
    });
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<ProviderKeyRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM provider_keys WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
