import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { AccessCache } from '../../common/tenancy/access-cache';
import { DbContext } from '../../database/db-context';
import type { PublicUser } from '../../database/prisma.service';
import type { RefreshToken, Session, VerificationToken } from '../../generated/prisma/client';
import type { VerificationPurpose } from '../../generated/prisma/enums';

export type { PublicUser };
export type SessionRow = Session;

/**
 * Users, sessions, refresh and verification tokens. Row-level security shows each of them only to
 * its user (app.user_id), a user to their email before sign-in (app.email), and a token (with its
 * session) to whoever presents its secret (app.token_hash): the service sets the scope each method
 * needs, and every method says which.
 */
@Injectable()
export class AuthRepository {
  constructor(
    private readonly db: DbContext,
    private readonly access: AccessCache,
  ) {}

  /** Scope: email = data.email. */
  createUser(data: { email: string; name: string; passwordHash: string }): Promise<PublicUser> {
    return this.db.client.user.create({ data });
  }

  /** Scope: email. */
  findUserByEmail(email: string): Promise<PublicUser | null> {
    return this.db.client.user.findUnique({ where: { email } });
  }

  /** Scope: userId = id. */
  findUserById(id: string): Promise<PublicUser | null> {
    return this.db.client.user.findUnique({ where: { id } });
  }

  /**
   * The password hash of the scope's user (userId), or else of the user with the scope's email:
   * the app role cannot read the column, app_password_hash returns this one value.
   */
  async passwordHashInScope(): Promise<string | null> {
    const [row] = await this.db.client.$queryRaw<{ hash: string | null }[]>`SELECT app_password_hash() AS hash`;
    return row?.hash ?? null;
  }

  /** Scope: userId = data.userId. */
  createSession(data: { userId: string; ip?: string; userAgent?: string; expiresAt: Date }): Promise<Session> {
    return this.db.client.session.create({ data });
  }

  /** Scope: tokenHash (the new token's) and the session's user. */
  addRefreshToken(sessionId: string, tokenHash: string, expiresAt: Date): Promise<RefreshToken> {
    return this.db.client.refreshToken.create({ data: { sessionId, tokenHash, expiresAt } });
  }

  /** Scope: tokenHash. The token and its session; the user needs the session user's scope. */
  findRefreshToken(tokenHash: string): Promise<(RefreshToken & { session: Session }) | null> {
    return this.db.client.refreshToken.findUnique({ where: { tokenHash }, include: { session: true } });
  }

  /**
   * The token with its session, its row locked until the transaction ends: parallel refreshes of
   * one token run one after another, each seeing what the one before did. Scope: tokenHash.
   */
  async findRefreshTokenForUpdate(tokenHash: string): Promise<(RefreshToken & { session: Session }) | null> {
    await this.db.client.$queryRaw`SELECT 1 FROM refresh_tokens WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
    return this.findRefreshToken(tokenHash);
  }

  /** Marks a refresh token used; false when another request used it first. Scope: its tokenHash. */
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
    this.access.forgetAfterCommit(`session:${userId}:${sessionId}`);
    return count === 1;
  }

  async revokeAllSessions(userId: string, at: Date): Promise<number> {
    const { count } = await this.db.client.session.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: at },
    });
    this.access.forgetAfterCommit(`user:${userId}`);
    return count;
  }

  /** Revokes every live session of the user but `keepSessionId`. */
  async revokeOtherSessions(userId: string, keepSessionId: string, at: Date): Promise<number> {
    const { count } = await this.db.client.session.updateMany({
      where: { userId, revokedAt: null, id: { not: keepSessionId } },
      data: { revokedAt: at },
    });
    this.access.forgetAfterCommit(`user:${userId}`);
    return count;
  }

  /** Whether the user ever had a session started from `ip` (revoked or expired ones count). Scope: userId. */
  async hasSignedInFrom(userId: string, ip: string): Promise<boolean> {
    return (await this.db.client.session.count({ where: { userId, ip }, take: 1 })) > 0;
  }

  /** Live sessions, newest first; keyset pagination on the (userId, createdAt) index. */
  listLiveSessions(
    userId: string,
    options: { limit: number; now: Date; after?: Cursor<typeof TIME_CURSOR> },
  ): Promise<Session[]> {
    const page = keyset(TIME_CURSOR, 'desc', options.after);
    return this.db.client.session.findMany({
      where: { userId, revokedAt: null, expiresAt: { gt: options.now }, AND: page.where },
      orderBy: page.orderBy,
      take: options.limit,
    });
  }

  /** Scope: userId. */
  async updatePasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.client.user.update({ where: { id: userId }, data: { passwordHash }, select: { id: true } });
  }

  /** Scope: userId. */
  markEmailVerified(userId: string, at: Date): Promise<PublicUser> {
    return this.db.client.user.update({ where: { id: userId }, data: { emailVerifiedAt: at } });
  }

  /** Scope: userId = data.userId. */
  createVerificationToken(data: {
    userId: string;
    purpose: VerificationPurpose;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<VerificationToken> {
    return this.db.client.verificationToken.create({ data });
  }

  /** An unconsumed, unexpired token of that purpose. Scope: tokenHash. */
  findUsableVerificationToken(
    purpose: VerificationPurpose,
    tokenHash: string,
    now: Date,
  ): Promise<VerificationToken | null> {
    return this.db.client.verificationToken.findFirst({
      where: { tokenHash, purpose, consumedAt: null, expiresAt: { gt: now } },
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
