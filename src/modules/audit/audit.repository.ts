import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import { Prisma, type AuditLog } from '../../generated/prisma/client';

/** An audit entry as stored: the module-owned name services use. */
export type AuditRow = AuditLog;
import { nextLink, type NewAuditEntry } from './audit-chain';

export type { NewAuditEntry };

export interface AuditFilter {
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
}

const jsonOrNull = (value: unknown) =>
  value === null || value === undefined ? Prisma.DbNull : (value as Prisma.InputJsonValue);

@Injectable()
export class AuditRepository {
  constructor(private readonly db: DbContext) {}

  /**
   * Appends the next link of the org's chain. The advisory lock serialises writers of one org
   * until their transaction ends, so seq and prevHash cannot fork.
   */
  async append(entry: NewAuditEntry): Promise<AuditLog> {
    const client = this.db.client;
    await client.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${entry.orgId}, 0))`;
    const last = await client.auditLog.findFirst({
      where: { orgId: entry.orgId },
      orderBy: { seq: 'desc' },
      select: { seq: true, hash: true },
    });
    const link = nextLink(entry, last);
    return client.auditLog.create({
      data: { ...link, before: jsonOrNull(link.before), after: jsonOrNull(link.after) },
    });
  }

  /**
   * Where an event of a user (not of an org) is logged: their last active organization, else
   * their oldest active membership; null when they belong to none. Needs the user's RLS scope.
   */
  async userAuditOrgId(userId: string): Promise<string | null> {
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

  /** Newest first, keyset on (orgId, seq). */
  list(orgId: string, filter: AuditFilter, limit: number, beforeSeq?: bigint): Promise<AuditLog[]> {
    return this.db.client.auditLog.findMany({
      where: { orgId, ...this.where(filter), ...(beforeSeq !== undefined ? { seq: { lt: beforeSeq } } : {}) },
      orderBy: { seq: 'desc' },
      take: limit,
    });
  }

  /** Oldest first, for verification and export. */
  listAscending(orgId: string, filter: AuditFilter, limit: number, afterSeq: bigint): Promise<AuditLog[]> {
    return this.db.client.auditLog.findMany({
      where: { orgId, ...this.where(filter), seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
      take: limit,
    });
  }

  private where(filter: AuditFilter): Prisma.AuditLogWhereInput {
    return {
      actorId: filter.actorId,
      action: filter.action,
      resourceType: filter.resourceType,
      resourceId: filter.resourceId,
      ...(filter.from || filter.to ? { createdAt: { gte: filter.from, lte: filter.to } } : {}),
    };
  }
}
