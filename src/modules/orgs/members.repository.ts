import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { Membership } from '../../generated/prisma/client';
import type { MemberRole, MembershipStatus } from '../../generated/prisma/enums';

export type MemberWithUser = Membership & { user: { email: string; name: string } };

const WITH_USER = { user: { select: { email: true, name: true } } } as const;

/** Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. */
@Injectable()
export class MembersRepository {
  constructor(private readonly db: DbContext) {}

  create(orgId: string, userId: string, role: MemberRole): Promise<Membership> {
    return this.db.client.membership.create({ data: { orgId, userId, role, status: 'ACTIVE' } });
  }

  find(orgId: string, userId: string): Promise<MemberWithUser | null> {
    return this.db.client.membership.findUnique({
      where: { orgId_userId: { orgId, userId } },
      include: WITH_USER,
    });
  }

  /** Ordered by userId; keyset pagination on the (orgId, userId) unique index. */
  list(
    orgId: string,
    options: { limit: number; afterUserId?: string; role?: MemberRole; status?: MembershipStatus },
  ): Promise<MemberWithUser[]> {
    return this.db.client.membership.findMany({
      where: {
        orgId,
        role: options.role,
        status: options.status,
        ...(options.afterUserId ? { userId: { gt: options.afterUserId } } : {}),
      },
      include: WITH_USER,
      orderBy: { userId: 'asc' },
      take: options.limit,
    });
  }

  update(
    orgId: string,
    userId: string,
    data: { role?: MemberRole; status?: MembershipStatus },
  ): Promise<MemberWithUser> {
    return this.db.client.membership.update({
      where: { orgId_userId: { orgId, userId } },
      data,
      include: WITH_USER,
    });
  }

  async delete(orgId: string, userId: string): Promise<void> {
    await this.db.client.membership.delete({ where: { orgId_userId: { orgId, userId } } });
  }

  /**
   * The org's active owners, locked until the transaction ends, so two concurrent demotions
   * cannot both see "another owner remains" and leave the org without one.
   */
  async lockActiveOwnerIds(orgId: string): Promise<string[]> {
    const rows = await this.db.client.$queryRaw<{ userId: string }[]>`
      SELECT "userId"::text AS "userId" FROM memberships
      WHERE "orgId" = ${orgId}::uuid AND role = 'OWNER' AND status = 'ACTIVE'
      FOR UPDATE`;
    return rows.map((row) => row.userId);
  }

  countActive(orgId: string): Promise<number> {
    return this.db.client.membership.count({ where: { orgId, status: 'ACTIVE' } });
  }

  /** Whether a user with this email has a membership (of any status) in the org. */
  async emailIsMember(orgId: string, email: string): Promise<boolean> {
    const count = await this.db.client.membership.count({
      where: { orgId, user: { email: { equals: email, mode: 'insensitive' } } },
    });
    return count > 0;
  }
}
