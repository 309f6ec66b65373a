import { Injectable } from '@nestjs/common';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { GitProvider } from '../../generated/prisma/client';
import { SyncStatus, type GitProviderType } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';
import type { RemoteRepository } from './git-clients';

/** A git provider as stored (tokens still encrypted) with the number of its repositories. */
export type GitProviderRow = GitProvider & { repositoryCount: number };

export interface GitProviderData {
  name: string;
  displayName: string | null;
  providerType: GitProviderType;
  serverUrl: string | null;
  encryptedAccessToken: string;
  encryptedRefreshToken: string | null;
  tokenExpiresAt: Date | null;
}

export type GitProviderChanges = Partial<Omit<GitProviderData, 'providerType'>>;

/** The tokens a refresh stored. */
export type StoredTokens = Pick<GitProviderData, 'encryptedAccessToken' | 'encryptedRefreshToken' | 'tokenExpiresAt'>;

/** Lists go oldest first by id (UUIDv7, so creation order). */
export const GIT_PROVIDER_ORDER = { id: 'uuid' } as const satisfies CursorShape;

const WITH_COUNT = { _count: { select: { repositories: true } } } as const;

function toRow({ _count, ...provider }: GitProvider & { _count: { repositories: number } }): GitProviderRow {
  return { ...provider, repositoryCount: _count.repositories };
}

/** What enters the audit log: the row without its ciphertexts (the log redacts them anyway). */
const auditView = ({ encryptedAccessToken, encryptedRefreshToken, ...rest }: GitProviderRow) => {
  void encryptedAccessToken;
  return { ...rest, hasRefreshToken: encryptedRefreshToken !== null };
};

/**
 * Git providers and the writes of their sync. Every method takes orgId first and filters on it
 * (row-level security is the next layer). Writes made for a member go through AuditedWrites; the
 * sync job's own writes (state, refreshed tokens, repositories) are the provider's, not a member's.
 */
@Injectable()
export class GitProvidersRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: GitProviderData, createdByUserId: string | null): Promise<GitProviderRow> {
    return this.audited.create(
      'git_provider',
      async () =>
        toRow(
          await this.db.client.gitProvider.create({ data: { ...data, orgId, createdByUserId }, include: WITH_COUNT }),
        ),
      { view: auditView },
    );
  }

  async list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof GIT_PROVIDER_ORDER>; type?: GitProviderType },
  ): Promise<GitProviderRow[]> {
    const page = keyset(GIT_PROVIDER_ORDER, 'asc', options.after);
    const rows = await this.db.client.gitProvider.findMany({
      where: { orgId, providerType: options.type, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
      include: WITH_COUNT,
    });
    return rows.map(toRow);
  }

  count(orgId: string): Promise<number> {
    return this.db.client.gitProvider.count({ where: { orgId } });
  }

  async findById(orgId: string, id: string): Promise<GitProviderRow | null> {
    const row = await this.db.client.gitProvider.findFirst({ where: { orgId, id }, include: WITH_COUNT });
    return row && toRow(row);
  }

  update(orgId: string, id: string, data: GitProviderChanges): Promise<GitProviderRow | null> {
    return this.audited.update(
      'git_provider',
      () => this.lock(orgId, id),
      async () => toRow(await this.db.client.gitProvider.update({ where: { id, orgId }, data, include: WITH_COUNT })),
      { view: auditView },
    );
  }

  /** Deletes the provider and (by cascade) its repositories. */
  delete(orgId: string, id: string): Promise<GitProviderRow | null> {
    return this.audited.delete(
      'git_provider',
      () => this.lock(orgId, id),
      () => this.db.client.gitProvider.delete({ where: { id, orgId } }),
      { view: auditView },
    );
  }

  /** A member asked for a sync: PENDING until the job takes it (audited as `git_provider.sync_requested`). */
  requestSync(orgId: string, id: string): Promise<GitProviderRow | null> {
    return this.audited.update(
      'git_provider',
      () => this.lock(orgId, id),
      async () =>
        toRow(
          await this.db.client.gitProvider.update({
            where: { id, orgId },
            data: { syncStatus: SyncStatus.PENDING, syncError: null },
            include: WITH_COUNT,
          }),
        ),
      { view: auditView, action: 'git_provider.sync_requested' },
    );
  }

  /** The job takes the provider: SYNCING. Null when it is gone. */
  async startSync(orgId: string, id: string): Promise<GitProviderRow | null> {
    const { count } = await this.db.client.gitProvider.updateMany({
      where: { orgId, id },
      data: { syncStatus: SyncStatus.SYNCING, syncError: null },
    });
    return count === 0 ? null : this.findById(orgId, id);
  }

  async saveTokens(orgId: string, id: string, tokens: StoredTokens): Promise<void> {
    await this.db.client.gitProvider.updateMany({ where: { orgId, id }, data: tokens });
  }

  async failSync(orgId: string, id: string, error: string): Promise<void> {
    await this.db.client.gitProvider.updateMany({
      where: { orgId, id },
      data: { syncStatus: SyncStatus.FAILED, syncError: error },
    });
  }

  /**
   * Makes the provider's repositories what it listed: those gone from it are deleted first (so a
   * new repository may take a gone one's name), the others upserted on their external id.
   */
  async finishSync(orgId: string, providerId: string, repositories: RemoteRepository[]): Promise<void> {
    const client = this.db.client;
    const now = new Date();
    await client.repository.deleteMany({
      where: { orgId, providerId, NOT: { externalId: { in: repositories.map((r) => r.externalId) } } },
    });
    for (const { externalId, ...fields } of repositories) {
      const data = { ...fields, syncStatus: SyncStatus.SYNCED, lastSyncedAt: now, syncError: null };
      await client.repository.upsert({
        where: { orgId_providerId_externalId: { orgId, providerId, externalId } },
        create: { orgId, providerId, externalId, ...data },
        update: data,
      });
    }
    await client.gitProvider.updateMany({
      where: { orgId, id: providerId },
      data: { syncStatus: SyncStatus.SYNCED, lastSyncedAt: now, syncError: null },
    });
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<GitProviderRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM git_providers WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
