import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { RefreshToken, Session, User } from '../../generated/prisma/client';

/** Users, sessions and refresh tokens: global tables (no org), so no RLS scope is needed. */
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

  /** The org a user's sign-in is audited in: the last active one, else their oldest active membership. */
  async findAuditOrgId(userId: string): Promise<string | null> {
    const profile = await this.db.client.userProfile.findUnique({
      where: { userId },
      select: { lastActiveOrgId: true },
    });
    const memberships = await this.db.client.membership.findMany({
      where: { userId, status: 'ACTIVE', organization: { deletedAt: null } },
      orderBy: { createdAt: 'asc' },
      select: { orgId: true },
    });
    const ids = memberships.map((m) => m.orgId);
    if (profile?.lastActiveOrgId && ids.includes(profile.lastActiveOrgId)) return profile.lastActiveOrgId;
    return ids[0] ?? null;
  }
}
