import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { AccessCache } from '../../common/tenancy/access-cache';
import { DbContext } from '../../database/db-context';
import type { ServiceApiKey } from '../../generated/prisma/client';

/** An API key as this module reads it (with its hash: only the service decides what is shown). */
export type ApiKeyRow = ServiceApiKey;

export interface NewApiKey {
  name: string;
  prefix: string;
  keyHash: string;
  scopes: string[];
  expiresAt: Date | null;
  rateLimitPerMinute: number | null;
  createdByUserId: string | null;
}

/** Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. */
@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly db: DbContext,
    private readonly access: AccessCache,
  ) {}

  countActive(orgId: string): Promise<number> {
    return this.db.client.serviceApiKey.count({ where: { orgId, revokedAt: null } });
  }

  create(orgId: string, data: NewApiKey): Promise<ApiKeyRow> {
    return this.db.client.serviceApiKey.create({ data: { ...data, orgId } });
  }

  /** Newest first; keyset on the (orgId, createdAt) index, id breaking ties. */
  list(orgId: string, limit: number, after?: Cursor<typeof TIME_CURSOR>): Promise<ApiKeyRow[]> {
    const page = keyset(TIME_CURSOR, 'desc', after);
    return this.db.client.serviceApiKey.findMany({
      where: { orgId, AND: page.where },
      orderBy: page.orderBy,
      take: limit,
    });
  }

  findActive(orgId: string, id: string): Promise<ApiKeyRow | null> {
    return this.db.client.serviceApiKey.findFirst({ where: { orgId, id, revokedAt: null } });
  }

  revoke(orgId: string, id: string, at: Date): Promise<ApiKeyRow> {
    this.access.forgetAfterCommit(`apikey:${id}`);
    return this.db.client.serviceApiKey.update({ where: { id, orgId }, data: { revokedAt: at } });
  }
}
