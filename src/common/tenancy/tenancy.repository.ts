import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { MemberRole } from '../../generated/prisma/enums';

export interface ActiveSession {
  userId: string;
  email: string;
  platformRole: 'ADMIN' | 'USER';
  expiresAt: Date;
}

export interface MembershipAccess {
  role: MemberRole;
  active: boolean;
  orgDeleted: boolean;
}

export interface ApiKeyRecord {
  id: string;
  orgId: string;
  scopes: string[];
  rateLimitPerMinute: number | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  orgDeleted: boolean;
}

/** The lookups the guards make on every request; one query each. */
@Injectable()
export class TenancyRepository {
  constructor(private readonly db: DbContext) {}

  /**
   * The session's user when the session is live and the user not suspended. One round trip
   * outside any transaction: app_session_principal sets the RLS user itself (users and sessions
   * are visible only to their user).
   */
  async findActiveSession(userId: string, sessionId: string): Promise<ActiveSession | null> {
    const [row] = await this.db.client.$queryRaw<Omit<ActiveSession, 'userId'>[]>`
      SELECT email, "platformRole", "expiresAt" FROM app_session_principal(${userId}::uuid, ${sessionId}::uuid)`;
    return row ? { userId, ...row } : null;
  }

  /** Runs inside a scope whose token_hash is keyHash (RLS shows that key and its organization). */
  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const key = await this.db.client.serviceApiKey.findUnique({
      where: { keyHash },
      select: {
        id: true,
        orgId: true,
        scopes: true,
        rateLimitPerMinute: true,
        expiresAt: true,
        revokedAt: true,
        lastUsedAt: true,
        organization: { select: { deletedAt: true } },
      },
    });
    if (!key) return null;
    const { organization, ...rest } = key;
    return { ...rest, orgDeleted: organization.deletedAt !== null };
  }

  async touchApiKey(id: string, at: Date): Promise<void> {
    await this.db.client.serviceApiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }

  /** The caller's membership of the org, or null. One round trip: app_member_access sets the RLS user itself. */
  async findMembership(orgId: string, userId: string): Promise<MembershipAccess | null> {
    const [membership] = await this.db.client.$queryRaw<{ role: MemberRole; status: string; org_deleted: boolean }[]>`
      SELECT role, status, org_deleted FROM app_member_access(${orgId}::uuid, ${userId}::uuid)`;
    if (!membership) return null;
    return { role: membership.role, active: membership.status === 'ACTIVE', orgDeleted: membership.org_deleted };
  }
}
