import { Injectable } from '@nestjs/common';
import { AccessCache } from '../../common/tenancy/access-cache';
import { DbContext } from '../../database/db-context';
import type { Organization, Prisma } from '../../generated/prisma/client';
import type { OrgTier } from '../../generated/prisma/enums';

export type OrgRow = Organization;

/**
 * Platform-wide reads and writes of organizations. Row-level security shows them across all scopes
 * only inside the platform-admin bypass (PlatformAdminScope), where every method here runs.
 */
@Injectable()
export class AdminRepository {
  constructor(
    private readonly db: DbContext,
    private readonly access: AccessCache,
  ) {}

  /** Newest first; UUIDv7 ids order by creation. Soft-deleted organizations included. */
  listOrgs(options: { limit: number; beforeId?: string; search?: string }): Promise<OrgRow[]> {
    const search = options.search;
    return this.db.client.organization.findMany({
      where: {
        id: { lt: options.beforeId },
        ...(search
          ? {
              OR: [
                { name: { contains: search, mode: 'insensitive' } },
                { slug: { contains: search, mode: 'insensitive' } },
              ],
            }
          : {}),
      },
      orderBy: { id: 'desc' },
      take: options.limit,
    });
  }

  findOrg(id: string): Promise<OrgRow | null> {
    return this.db.client.organization.findUnique({ where: { id } });
  }

  updateOrg(id: string, data: { tier?: OrgTier; limits?: Record<string, number | null> }): Promise<OrgRow> {
    this.access.forgetAfterCommit(`org:${id}`);
    return this.db.client.organization.update({
      where: { id },
      data: { tier: data.tier, limits: data.limits as Prisma.InputJsonValue | undefined },
    });
  }
}
