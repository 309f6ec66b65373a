import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { RefreshToken, Session, User, VerificationToken } from '../../generated/prisma/client';
import type { VerificationPurpose } from '../../generated/prisma/enums';

/** Users, sessions, refresh and verification tokens: global tables (no org), so no RLS scope is needed. */
@Injectable()
export class AuthRepository {
  constructor(private readonly db: DbContext) {}

  createUser(data: { email: string; name: string; passwordHash: string }): Promise<User> {
    return this.db.client.user.create({ data });
  }

  findUserByEmail(email: string): Promise<User | null> {
    return this.db.client.user.findUnique({ where: { email } });
  }

  findUserById(id: string): Promise<User | null> {
    return this.db.client.user.findUnique({ where: { id } });
  }

  createSession(data: { userId: string; ip?: string; userAgent?: string; expiresAt: Date }): Promise<Session> {
    return this.db.client.session.create({ data });
  }

  addRefreshToken(sessionId: string, tokenHash: string, expiresAt: Date): Promise<RefreshToken> {
    return this.db.client.refreshToken.create({ data: { sessionId, tokenHash, expiresAt } });
  }

  findRefreshToken(tokenHash: string): Promise<(RefreshToken & { session: Session & { user: User } }) | null> {
    return this.db.client.refreshToken.findUnique({
      where: { tokenHash },
      include: { session: { include: { user: true } } },
    });
  }

  /** Marks a refresh token used; false when another request used it first. */
  async markRefreshTokenUsed(id: string, at: Date): Promise<boolean> {
    const { count } = await this.db.client.refreshToken.updateMany({
      where: { id, usedAt: null },
      data: { usedAt: at },
    });
    return count === 1;
  }

  touchSession(id: string, at: Date): Promise<Session> {
    return this.db.client.session.update({ where: { id }, data: { lastUsedAt: at } });
  }

  async revokeSession(userId: string, sessionId: string, at: Date): Promise<boolean> {
    const { count } = await this.db.client.session.updateMany({
      where: { id: sessionId, userId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count === 1;
  }

  async revokeAllSessions(userId: string, at: Date): Promise<number> {
    const { count } = await this.db.client.session.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count;
  }

  /** Revokes every live session of the user but `keepSessionId`. */
  async revokeOtherSessions(userId: string, keepSessionId: string, at: Date): Promise<number> {
    const { count } = await this.db.client.session.updateMany({
      where: { userId, revokedAt: null, id: { not: keepSessionId } },
      data: { revokedAt: at },
    });
    return count;
  }

  /** Live sessions, newest first; keyset pagination on the (userId, createdAt) index. */
  listLiveSessions(
    userId: string,
    options: { limit: number; now: Date; after?: { createdAt: Date; id: string } },
  ): Promise<Session[]> {
    const { after } = options;
    return this.db.client.session.findMany({
      where: {
        userId,
        revokedAt: null,
        expiresAt: { gt: options.now },
        ...(after && {
          OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
        }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
    });
  }

  updatePasswordHash(userId: string, passwordHash: string): Promise<User> {
    return this.db.client.user.update({ where: { id: userId }, data: { passwordHash } });
  }

  markEmailVerified(userId: string, at: Date): Promise<User> {
    return this.db.client.user.update({ where: { id: userId }, data: { emailVerifiedAt: at } });
  }

  createVerificationToken(data: {
    userId: string;
    purpose: VerificationPurpose;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<VerificationToken> {
    return this.db.client.verificationToken.create({ data });
  }

  /** An unconsumed, unexpired token of that purpose, with its user. */
  findUsableVerificationToken(
    purpose: VerificationPurpose,
    tokenHash: string,
    now: Date,
  ): Promise<(VerificationToken & { user: User }) | null> {
    return this.db.client.verificationToken.findFirst({
      where: { tokenHash, purpose, consumedAt: null, expiresAt: { gt: now } },
      include: { user: true },
    });
  }

  /** Consumes one token; false when another request consumed it first. */
  async consumeVerificationToken(id: string, at: Date): Promise<boolean> {
    const { count } = await this.db.client.verificationToken.updateMany({
      where: { id, consumedAt: null },
      data: { consumedAt: at },
    });
    return count === 1;
  }

  /** Consumes every outstanding token of that purpose for the user (older links stop working). */
  async consumeAllVerificationTokens(userId: string, purpose: VerificationPurpose, at: Date): Promise<void> {
    await this.db.client.verificationToken.updateMany({
      where: { userId, purpose, consumedAt: null },
      data: { consumedAt: at },
    });
  }
}
