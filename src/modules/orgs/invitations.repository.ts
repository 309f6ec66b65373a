import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Invitation } from '../../generated/prisma/client';
import type { InvitationStatus, MemberRole } from '../../generated/prisma/enums';

/** An invitation row (its token only as a hash). */
export type InvitationRow = Invitation;

/** Every method but the token lookup takes orgId first and filters on it; RLS is layer 3. */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly db: DbContext) {}

  create(
    orgId: string,
    data: { email: string; role: MemberRole; tokenHash: string; expiresAt: Date; invitedByUserId: string | null },
  ): Promise<InvitationRow> {
    return this.db.client.invitation.create({ data: { ...data, orgId } });
  }

  findById(orgId: string, id: string): Promise<InvitationRow | null> {
    return this.db.client.invitation.findFirst({ where: { orgId, id } });
  }

  /** Runs in a scope whose token_hash is `tokenHash` (RLS), before the org is known. */
  findByTokenHash(tokenHash: string): Promise<InvitationRow | null> {
    return this.db.client.invitation.findUnique({ where: { tokenHash } });
  }

  findPendingForEmail(orgId: string, email: string, now: Date): Promise<InvitationRow | null> {
    return this.db.client.invitation.findFirst({
      where: { orgId, email: { equals: email, mode: 'insensitive' }, status: 'PENDING', expiresAt: { gt: now } },
    });
  }

  /** Pending invitations that can still be accepted: each holds a seat against the member limit. */
  countPending(orgId: string, now: Date, exceptId?: string): Promise<number> {
    return this.db.client.invitation.count({
      where: { orgId, status: 'PENDING', expiresAt: { gt: now }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    });
  }

  /** Newest first; keyset on (createdAt, id). */
  list(
    orgId: string,
    options: { limit: number; status?: InvitationStatus; before?: Cursor<typeof TIME_CURSOR> },
  ): Promise<InvitationRow[]> {
    const page = keyset(TIME_CURSOR, 'desc', options.before);
    return this.db.client.invitation.findMany({
      where: { orgId, status: options.status, AND: page.where },
      orderBy: page.orderBy,
      take: options.limit,
    });
  }

  update(
    orgId: string,
    id: string,
    data: { status?: InvitationStatus; tokenHash?: string; expiresAt?: Date; respondedAt?: Date },
  ): Promise<InvitationRow> {
    return this.db.client.invitation.update({ where: { id, orgId }, data });
  }
}
