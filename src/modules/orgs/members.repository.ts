import { Injectable } from '@nestjs/common';
import { AccessCache } from '../../common/tenancy/access-cache';
import { DbContext } from '../../database/db-context';
import type { Membership } from '../../generated/prisma/client';
import type { MemberRole, MembershipStatus } from '../../generated/prisma/enums';

export type MembershipRow = Membership;
export type MemberWithUser = MembershipRow & { user: { email: string; name: string } };

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3 and needs the
 * org's scope. Members' users are not readable rows for their co-members: their public fields
 * (email, name) come from app_org_member_profiles, which answers only inside that org's scope.
 */
@Injectable()
export class MembersRepository {
  constructor(
    private readonly db: DbContext,
    private readonly access: AccessCache,
  ) {}

  create(orgId: string, userId: string, role: MemberRole): Promise<MembershipRow> {
    return this.db.client.membership.create({ data: { orgId, userId, role, status: 'ACTIVE' } });
  }

  async find(orgId: string, userId: string): Promise<MemberWithUser | null> {
    const member = await this.db.client.membership.findUnique({ where: { orgId_userId: { orgId, userId } } });
    return member && (await this.withUsers(orgId, [member]))[0]!;
  }

  /** Ordered by userId; keyset pagination on the (orgId, userId) unique index. */
  async list(
    orgId: string,
    options: { limit: number; afterUserId?: string; role?: MemberRole; status?: MembershipStatus },
  ): Promise<MemberWithUser[]> {
    const members = await this.db.client.membership.findMany({
      where: {
        orgId,
        role: options.role,
        status: options.status,
        ...(options.afterUserId ? { userId: { gt: options.afterUserId } } : {}),
      },
      orderBy: { userId: 'asc' },
      take: options.limit,
    });
    return this.withUsers(orgId, members);
  }

  async update(
    orgId: string,
    userId: string,
    data: { role?: MemberRole; status?: MembershipStatus },
  ): Promise<MemberWithUser> {
    const member = await this.db.client.membership.update({ where: { orgId_userId: { orgId, userId } }, data });
    this.access.forgetAfterCommit(`member:${orgId}:${userId}`);
    return (await this.withUsers(orgId, [member]))[0]!;
  }

  async delete(orgId: string, userId: string): Promise<void> {
    await this.db.client.membership.delete({ where: { orgId_userId: { orgId, userId } } });
    this.access.forgetAfterCommit(`member:${orgId}:${userId}`);
  }

  /**
   * The org's active owners, as committed now, their rows locked until the transaction ends. Every
   * change of owners (here, transfer of ownership, account deletion) locks them first, so such
   * changes of one org happen one after the other and each sees the owners the one before left;
   * a caller's OWNER role is rechecked against them, not taken from before the lock.
   */
  async lockOwners(orgId: string): Promise<string[]> {
    const lock = () => this.db.client.$queryRaw<{ userId: string }[]>`
      SELECT "userId"::text AS "userId" FROM memberships
      WHERE "orgId" = ${orgId}::uuid AND role = 'OWNER' AND status = 'ACTIVE'
      ORDER BY id
      FOR UPDATE`;
    // The first waits for any owner change in flight; after it, a new snapshot also sees owners
    // that change made (the first only rechecks the rows it had found).
    await lock();
    const rows = await lock();
    return rows.map((row) => row.userId);
  }

  countActive(orgId: string): Promise<number> {
    return this.db.client.membership.count({ where: { orgId, status: 'ACTIVE' } });
  }

  /** Whether a user with this email has a membership (of any status) in the org. */
  async emailIsMember(orgId: string, email: string): Promise<boolean> {
    const rows = await this.db.client.$queryRaw<{ id: string }[]>`
      SELECT id FROM app_org_member_profiles(${orgId}::uuid, NULL, ${email}) LIMIT 1`;
    return rows.length > 0;
  }

  /** The members with their users' public fields, in one query for all of them. */
  private async withUsers(orgId: string, members: Membership[]): Promise<MemberWithUser[]> {
    if (members.length === 0) return [];
    const ids = members.map((member) => member.userId);
    const profiles = await this.db.client.$queryRaw<{ id: string; email: string; name: string }[]>`
      SELECT id::text AS id, email, name FROM app_org_member_profiles(${orgId}::uuid, ${ids}::uuid[])`;
    const byId = new Map(profiles.map((profile) => [profile.id, profile]));
    return members.map((member) => {
      const profile = byId.get(member.userId);
      // Only outside the org's scope (a bug): fail loudly rather than show a member without a name.
      if (!profile) throw new Error(`No profile for member ${member.userId} of ${orgId} in this scope`);
      return { ...member, user: { email: profile.email, name: profile.name } };
    });
  }
}
