import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { MemberRole } from '../../generated/prisma/enums';
import type { PublicUser } from '../../database/prisma.service';
import type { UserProfile } from '../../generated/prisma/client';

export type ProfileRow = UserProfile;
export type UserWithProfile = PublicUser & { profile: ProfileRow | null };

export interface MyInvitation {
  id: string;
  orgId: string;
  role: MemberRole;
  expiresAt: Date;
  createdAt: Date;
  organization: { name: string };
}

/**
 * The caller's own rows, seen through the request's RLS scope (its userId and email): their user
 * row and profile, their memberships, the invitations addressed to them and those invitations' orgs.
 */
@Injectable()
export class MeRepository {
  constructor(private readonly db: DbContext) {}

  findUser(userId: string): Promise<UserWithProfile | null> {
    return this.db.client.user.findUnique({ where: { id: userId }, include: { profile: true } });
  }

  updateUser(userId: string, data: { name?: string; image?: string | null }): Promise<PublicUser> {
    return this.db.client.user.update({ where: { id: userId }, data });
  }

  upsertProfile(
    userId: string,
    data: { locale?: string | null; timezone?: string | null; lastActiveOrgId?: string },
  ): Promise<ProfileRow> {
    return this.db.client.userProfile.upsert({ where: { userId }, create: { userId, ...data }, update: data });
  }

  async isActiveMember(userId: string, orgId: string): Promise<boolean> {
    const count = await this.db.client.membership.count({
      where: { orgId, userId, status: 'ACTIVE', organization: { deletedAt: null } },
    });
    return count > 0;
  }

  /** Pending, unexpired invitations to live orgs, newest first; keyset on (createdAt, id). */
  listPendingInvitations(
    email: string,
    options: { limit: number; now: Date; after?: Cursor<typeof TIME_CURSOR> },
  ): Promise<MyInvitation[]> {
    const page = keyset(TIME_CURSOR, 'desc', options.after);
    return this.db.client.invitation.findMany({
      where: {
        email: { equals: email, mode: 'insensitive' },
        status: 'PENDING',
        expiresAt: { gt: options.now },
        organization: { deletedAt: null },
        AND: page.where,
      },
      orderBy: page.orderBy,
      take: options.limit,
      select: {
        id: true,
        orgId: true,
        role: true,
        expiresAt: true,
        createdAt: true,
        organization: { select: { name: true } },
      },
    });
  }
}
