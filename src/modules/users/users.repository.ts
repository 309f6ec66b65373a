import { Injectable } from '@nestjs/common';
import { AccessCache } from '../../common/tenancy/access-cache';
import { DbContext } from '../../database/db-context';
import type { PublicUser } from '../../database/prisma.service';
import type { MemberRole, MembershipStatus } from '../../generated/prisma/enums';

/** A user row as the server reads it (never the password hash). */
export type UserRow = PublicUser;

export interface SoleOwnedOrg {
  id: string;
  name: string;
}

export interface EndedMembership {
  orgId: string;
  role: MemberRole;
  status: MembershipStatus;
}

/**
 * Users across the platform, and the erasure of one. Row-level security shows users and sessions
 * only to their own scope: the listing and suspension run inside the platform-admin bypass
 * (PlatformAdminScope); soleOwnerOrgs and erase call definer functions that accept the user's own
 * scope or that bypass, and nothing else.
 */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly db: DbContext,
    private readonly access: AccessCache,
  ) {}

  /** Newest first; UUIDv7 ids order by creation. Deleted users included. */
  list(options: { limit: number; beforeId?: string; search?: string }): Promise<UserRow[]> {
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

  findById(id: string): Promise<UserRow | null> {
    return this.db.client.user.findUnique({ where: { id } });
  }

  setSuspended(id: string, suspendedAt: Date | null): Promise<UserRow> {
    this.access.forgetAfterCommit(`user:${id}`);
    return this.db.client.user.update({ where: { id }, data: { suspendedAt } });
  }

  /** Ends every live session of the user; their refresh tokens die with them. */
  async revokeSessions(userId: string, at: Date): Promise<number> {
    this.access.forgetAfterCommit(`user:${userId}`);
    const result = await this.db.client.session.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: at },
    });
    return result.count;
  }

  /**
   * The live organizations whose only active OWNER the user is. Locks the owner memberships of
   * their orgs until the transaction ends, so the answer holds for an erase() that follows.
   */
  soleOwnerOrgs(userId: string): Promise<SoleOwnedOrg[]> {
    return this.db.client.$queryRaw<SoleOwnedOrg[]>`
      SELECT id::text AS id, name FROM app_user_sole_owner_orgs(${userId}::uuid)`;
  }

  /**
   * Erases the account in every organization (see the user_deletion migration) and returns the
   * memberships it ended; none for an unknown or already deleted user.
   */
  erase(userId: string): Promise<EndedMembership[]> {
    this.access.forgetAfterCommit(`user:${userId}`);
    return this.db.client.$queryRaw<EndedMembership[]>`
      SELECT "orgId"::text AS "orgId", role::text AS role, status::text AS status FROM app_erase_user(${userId}::uuid)`;
  }
}
