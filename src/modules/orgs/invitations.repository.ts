import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import { Prisma, type Invitation } from '../../generated/prisma/client';
import { AppException } from '../../common/errors/app-exception';
import type { InvitationStatus, MemberRole } from '../../generated/prisma/enums';

export const PENDING_EXISTS = 'This email already has a pending invitation; resend it instead';

/** An invitation row (its token only as a hash). */
export type InvitationRow = Invitation;

/** Every method but the token lookup takes orgId first and filters on it; RLS is layer 3. */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly db: DbContext) {}

  /**
   * A second pending invitation to one email in one org is refused by a partial unique index
   * (the only other unique column is the random token hash): 409 DUPLICATE.
   */
  async create(
    orgId: string,
    data: { email: string; role: MemberRole; tokenHash: string; expiresAt: Date; invitedByUserId: string | null },
  ): Promise<InvitationRow> {
    try {
      return await this.db.client.invitation.create({ data: { ...data, orgId } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new AppException('DUPLICATE', PENDING_EXISTS);
      }
      throw error;
    }
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

  /**
   * Changes an invitation that is still pending; null when it is not (any more). The WHERE
   * decides, so of two concurrent answers (accept and revoke, two accepts) only one applies.
   */
  async updatePending(
    orgId: string,
    id: string,
    data: { status?: InvitationStatus; tokenHash?: string; expiresAt?: Date; respondedAt?: Date },
  ): Promise<InvitationRow | null> {
    const [row] = await this.db.client.invitation.updateManyAndReturn({
      where: { id, orgId, status: 'PENDING' },
      data,
    });
    return row ?? null;
  }

  /** Pending invitations to `email` that expired: revoked, so that a new one can be pending. */
  revokeExpired(orgId: string, email: string, now: Date): Promise<InvitationRow[]> {
    return this.db.client.invitation.updateManyAndReturn({
      where: { orgId, email: { equals: email, mode: 'insensitive' }, status: 'PENDING', expiresAt: { lte: now } },
      data: { status: 'REVOKED', respondedAt: now },
    });
  }
}
