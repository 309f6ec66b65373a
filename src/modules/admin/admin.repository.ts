import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { PublicUser } from '../../database/prisma.service';
import type { Organization, Prisma } from '../../generated/prisma/client';

/**
 * Platform-wide reads and writes of organizations, users and sessions. Row-level security shows
 * them across all scopes only inside AdminService's platform-admin bypass, where every method here
 * runs; memberships still need the user's own scope.
 */
@Injectable()
export class AdminRepository {
  constructor(private readonly db: DbContext) {}

  /** Newest first; UUIDv7 ids order by creation. Soft-deleted organizations included. */
  listOrgs(options: { limit: number; beforeId?: string; search?: string }): Promise<Organization[]> {
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

  findOrg(id: string): Promise<Organization | null> {
    return this.db.client.organization.findUnique({ where: { id } });
  }

  updateOrg(id: string, data: { tier?: Organization['tier']; limits?: Prisma.InputJsonValue }): Promise<Organization> {
    return this.db.client.organization.update({ where: { id }, data });
  }

  listUsers(options: { limit: number; beforeId?: string; search?: string }): Promise<PublicUser[]> {
    const search = options.search;
    return this.db.client.user.findMany({
      where: {
        id: { lt: options.beforeId },
        ...(search
          ? {
              OR: [
                { email: { contains: search, mode: 'insensitive' } },
                { name: { contains: search, mode: 'insensitive' } },
              ],
            }
          : {}),
      },
      orderBy: { id: 'desc' },
      take: options.limit,
    });
  }

  findUser(id: string): Promise<PublicUser | null> {
    return this.db.client.user.findUnique({ where: { id } });
  }

  setSuspended(id: string, suspendedAt: Date | null): Promise<PublicUser> {
    return this.db.client.user.update({ where: { id }, data: { suspendedAt } });
  }

  /** Ends every live session of the user; their refresh tokens die with them. */
  async revokeSessions(userId: string, at: Date): Promise<number> {
    const result = await this.db.client.session.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: at },
    });
    return result.count;
  }
}
