import { Injectable } from '@nestjs/common';
import { AccessCache } from '../../common/tenancy/access-cache';
import { DbContext } from '../../database/db-context';
import { uuidv7 } from '../../database/prisma.service';
import type { Organization, Prisma } from '../../generated/prisma/client';
import type { MemberRole } from '../../generated/prisma/enums';

/** An organization row as the orgs module hands it out. */
export type OrganizationRow = Organization;

export interface OrganizationData {
  name?: string;
  slug?: string;
  domain?: string | null;
  featureFlags?: Record<string, boolean>;
  deletedAt?: Date | null;
}

/**
 * Organizations are the tenants themselves. Every method names the org, and the guards have
 * already checked the caller's membership in it; row-level security shows an organization to its
 * own scope (app.org_id) and to its active members (app.user_id).
 */
@Injectable()
export class OrganizationsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly access: AccessCache,
  ) {}

  /** An id for a new organization, made before it is inserted: it is created in its own RLS scope. */
  newId(): string {
    return uuidv7();
  }

  /** Runs in the new org's own scope (`id` is app.org_id) with its creator as the scope's user. */
  create(data: { id: string; name: string; slug: string; createdByUserId: string }): Promise<OrganizationRow> {
    return this.db.client.organization.create({ data });
  }

  /** Soft-deleted organizations only when asked for (restore). */
  findById(orgId: string, options: { includeDeleted?: boolean } = {}): Promise<OrganizationRow | null> {
    return this.db.client.organization.findFirst({
      where: { id: orgId, ...(options.includeDeleted ? {} : { deletedAt: null }) },
    });
  }

  /**
   * Whether any organization (also one the caller cannot see, or a soft-deleted one) has the slug:
   * app_org_slug_taken answers that and nothing else. The unique index stays the last word.
   */
  async slugTaken(slug: string): Promise<boolean> {
    const [row] = await this.db.client.$queryRaw<{ taken: boolean }[]>`SELECT app_org_slug_taken(${slug}) AS taken`;
    return row?.taken ?? false;
  }

  update(orgId: string, data: OrganizationData): Promise<OrganizationRow> {
    this.access.forgetAfterCommit(`org:${orgId}`);
    return this.db.client.organization.update({
      where: { id: orgId },
      data: data as Prisma.OrganizationUpdateInput,
    });
  }

  /**
   * The user's organizations (active membership, not deleted), ordered by id, keyset after
   * `afterOrgId`. Runs in a scope whose user is `userId` (RLS shows their memberships).
   */
  async listForUser(
    userId: string,
    options: { limit: number; afterOrgId?: string },
  ): Promise<{ organization: OrganizationRow; role: MemberRole }[]> {
    const rows = await this.db.client.membership.findMany({
      where: {
        userId,
        status: 'ACTIVE',
        organization: { deletedAt: null },
        ...(options.afterOrgId ? { orgId: { gt: options.afterOrgId } } : {}),
      },
      select: { role: true, organization: true },
      orderBy: { orgId: 'asc' },
      take: options.limit,
    });
    return rows;
  }
}
