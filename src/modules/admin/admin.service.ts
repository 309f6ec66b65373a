import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppException } from '../../common/errors/app-exception';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import { effectiveLimits } from '../../common/features/feature';
import { DbContext } from '../../database/db-context';
import type { PublicUser } from '../auth/auth.repository';
import type { Organization, Prisma } from '../../generated/prisma/client';
import { toUserResponse } from '../auth/auth.service';
import { AdminRepository } from './admin.repository';
import type {
  AdminOrgResponseDto,
  AdminSearchQueryDto,
  AdminUpdateOrgDto,
  AdminUserResponseDto,
} from './dto/admin.dto';

/**
 * Platform administration (seed 002's global ADMIN): every organization and user, plan tiers and
 * limit overrides, and account suspension. Changes are audited in the organization they concern.
 *
 * Row-level security shows users, sessions and organizations only to their own scopes; these
 * operations read and change them across all of them through the platform-admin bypass
 * (DbContext.asPlatformAdmin), which only this service uses, after RoleGuard has checked the
 * platform role, and which it logs with the admin's id and the request id.
 */
@Injectable()
export class AdminService {
  private readonly logger = new Logger('PlatformAdmin');

  constructor(
    private readonly repository: AdminRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly db: DbContext,
  ) {}

  listOrgs(query: AdminSearchQueryDto): Promise<Page<AdminOrgResponseDto>> {
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    return this.bypass('orgs.list', async () => {
      const rows = await this.repository.listOrgs({ limit: query.limit + 1, beforeId: after?.id, search: query.q });
      return toPage(rows, query.limit, toOrgResponse, (row) => ({ id: row.id }));
    });
  }

  updateOrg(orgId: string, dto: AdminUpdateOrgDto): Promise<AdminOrgResponseDto> {
    return this.bypass('orgs.update', () => this.updateOrgAsAdmin(orgId, dto), { orgId });
  }

  private async updateOrgAsAdmin(orgId: string, dto: AdminUpdateOrgDto): Promise<AdminOrgResponseDto> {
    const before = await this.repository.findOrg(orgId);
    if (!before) throw AppException.notFound('Organization');
    const after = await this.repository.updateOrg(orgId, {
      tier: dto.tier,
      limits: dto.limits as Prisma.InputJsonValue | undefined,
    });
    await this.audit.record({
      orgId,
      action: 'organization.plan_updated',
      resourceType: 'organization',
      resourceId: orgId,
      before: { tier: before.tier, limits: before.limits },
      after: { tier: after.tier, limits: after.limits },
    });
    return toOrgResponse(after);
  }

  listUsers(query: AdminSearchQueryDto): Promise<Page<AdminUserResponseDto>> {
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    return this.bypass('users.list', async () => {
      const rows = await this.repository.listUsers({ limit: query.limit + 1, beforeId: after?.id, search: query.q });
      return toPage(rows, query.limit, toAdminUserResponse, (row) => ({ id: row.id }));
    });
  }

  /**
   * Suspends the account: its sessions are revoked, so its access tokens stop working at once
   * (the authentication guard checks the session on every request) and it cannot sign in.
   */
  suspend(userId: string): Promise<AdminUserResponseDto> {
    if (userId === this.context.requireUser().userId) {
      throw new AppException('VALIDATION_FAILED', 'You cannot suspend your own account');
    }
    return this.bypass('users.suspend', () => this.suspendAsAdmin(userId), { targetUserId: userId });
  }

  unsuspend(userId: string): Promise<AdminUserResponseDto> {
    return this.bypass('users.unsuspend', () => this.unsuspendAsAdmin(userId), { targetUserId: userId });
  }

  /**
   * The one way into the platform-admin bypass of row-level security: checks the platform role
   * again (RoleGuard already did), logs who used it for what in which request, then runs `work`
   * with it. Changes that concern an org are also audited in that org by the operation itself.
   */
  private bypass<T>(operation: string, work: () => Promise<T>, about: Record<string, string> = {}): Promise<T> {
    const principal = this.context.requireUser();
    if (principal.platformRole !== 'ADMIN') throw AppException.forbidden('Platform administrators only');
    this.logger.log(
      {
        event: 'platform_admin.rls_bypass',
        operation,
        userId: principal.userId,
        requestId: this.context.requestMeta.requestId,
        ...about,
      },
      'Platform admin bypasses row-level security',
    );
    return this.db.asPlatformAdmin(work);
  }

  private async suspendAsAdmin(userId: string): Promise<AdminUserResponseDto> {
    const user = await this.findUser(userId);
    const now = new Date();
    const updated = user.suspendedAt ? user : await this.repository.setSuspended(userId, now);
    await this.repository.revokeSessions(userId, now);
    if (!user.suspendedAt) await this.auditUserEvent(user, updated, 'user.suspended');
    return toAdminUserResponse(updated);
  }

  private async unsuspendAsAdmin(userId: string): Promise<AdminUserResponseDto> {
    const user = await this.findUser(userId);
    if (!user.suspendedAt) return toAdminUserResponse(user);
    const updated = await this.repository.setSuspended(userId, null);
    await this.auditUserEvent(user, updated, 'user.unsuspended');
    return toAdminUserResponse(updated);
  }

  private async findUser(userId: string): Promise<PublicUser> {
    const user = await this.repository.findUser(userId);
    if (!user) throw AppException.notFound('User');
    return user;
  }

  /** Users belong to no single organization: like sign-ins, the event goes to the user's audit org. */
  private async auditUserEvent(before: PublicUser, after: PublicUser, action: string): Promise<void> {
    await this.audit.recordForUser(before.id, {
      action,
      resourceType: 'user',
      resourceId: before.id,
      before: { suspendedAt: before.suspendedAt },
      after: { suspendedAt: after.suspendedAt },
    });
  }
}

function toOrgResponse(org: Organization): AdminOrgResponseDto {
  const { id, name, slug, domain, tier, limits, featureFlags, createdByUserId, deletedAt, createdAt, updatedAt } = org;
  return {
    id,
    name,
    slug,
    domain,
    tier,
    limits,
    effectiveLimits: effectiveLimits({ tier, limits }),
    featureFlags,
    createdByUserId,
    deletedAt,
    createdAt,
    updatedAt,
  };
}

function toAdminUserResponse(user: PublicUser): AdminUserResponseDto {
  return { ...toUserResponse(user), suspendedAt: user.suspendedAt };
}
