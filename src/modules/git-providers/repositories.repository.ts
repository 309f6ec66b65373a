import { Injectable } from '@nestjs/common';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Repository } from '../../generated/prisma/client';
import type { SyncStatus } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

/** A repository of a git provider, as the last sync stored it. */
export type RepositoryRow = Repository;

/** Lists go oldest first by id (UUIDv7, so creation order). */
export const REPOSITORY_ORDER = { id: 'uuid' } as const satisfies CursorShape;

export interface RepositoryFilters {
  providerId?: string;
  syncStatus?: SyncStatus;
  /** Case-insensitive, in name or fullName. */
  q?: string;
}

/** Repositories of the org's git providers; every method takes orgId first and filters on it. */
@Injectable()
export class RepositoriesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof REPOSITORY_ORDER> } & RepositoryFilters,
  ): Promise<RepositoryRow[]> {
    const page = keyset(REPOSITORY_ORDER, 'asc', options.after);
    const q = options.q;
    const search = q
      ? [
          {
            OR: [
              { name: { contains: q, mode: 'insensitive' as const } },
              { fullName: { contains: q, mode: 'insensitive' as const } },
            ],
          },
        ]
      : [];
    return this.db.client.repository.findMany({
      where: {
        orgId,
        providerId: options.providerId,
        syncStatus: options.syncStatus,
        AND: [...search, page.where],
      },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  findById(orgId: string, id: string): Promise<RepositoryRow | null> {
    return this.db.client.repository.findFirst({ where: { orgId, id } });
  }

  delete(orgId: string, id: string): Promise<RepositoryRow | null> {
    return this.audited.delete(
      'repository',
      () => this.lock(orgId, id),
      () => this.db.client.repository.delete({ where: { id, orgId } }),
    );
  }

  private async lock(orgId: string, id: string): Promise<RepositoryRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM repositories WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
