import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service';
import { RequestContext } from '../../common/context/request-context';
import { AppException } from '../../common/errors/app-exception';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import { effectiveLimits } from '../../common/plans/plan-limits';
import type { Organization, Prisma, User } from '../../generated/prisma/client';
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
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly repository: AdminRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
  ) {}

  async listOrgs(query: AdminSearchQueryDto): Promise<Page<AdminOrgResponseDto>> {
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    const rows = await this.repository.listOrgs({ limit: query.limit + 1, beforeId: after?.id, search: query.q });
    return toPage(rows, query.limit, toOrgResponse, (row) => ({ id: row.id }));
  }

  async updateOrg(orgId: string, dto: AdminUpdateOrgDto): Promise<AdminOrgResponseDto> {
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

  async listUsers(query: AdminSearchQueryDto): Promise<Page<AdminUserResponseDto>> {
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    const rows = await this.repository.listUsers({ limit: query.limit + 1, beforeId: after?.id, search: query.q });
    return toPage(rows, query.limit, toAdminUserResponse, (row) => ({ id: row.id }));
  }

  /**
   * Suspends the account: its sessions are revoked, so its access tokens stop working at once
   * (the authentication guard checks the session on every request) and it cannot sign in.
   */
  async suspend(userId: string): Promise<AdminUserResponseDto> {
    if (userId === this.context.requireUser().userId) {
      throw new AppException('VALIDATION_FAILED', 'You cannot suspend your own account');
    }
    const user = await this.findUser(userId);
    const now = new Date();
    const updated = user.suspendedAt ? user : await this.repository.setSuspended(userId, now);
    await this.repository.revokeSessions(userId, now);
    if (!user.suspendedAt) await this.auditUserEvent(user, updated, 'user.suspended');
    return toAdminUserResponse(updated);
  }

  async unsuspend(userId: string): Promise<AdminUserResponseDto> {
    const user = await this.findUser(userId);
    if (!user.suspendedAt) return toAdminUserResponse(user);
    const updated = await this.repository.setSuspended(userId, null);
    await this.auditUserEvent(user, updated, 'user.unsuspended');
    return toAdminUserResponse(updated);
  }

  private async findUser(userId: string): Promise<User> {
    const user = await this.repository.findUser(userId);
    if (!user) throw AppException.notFound('User');
    return user;
  }

  /** Users belong to no single organization: like sign-ins, the event goes to the user's audit org. */
  private async auditUserEvent(before: User, after: User, action: string): Promise<void> {
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
    effectiveLimits: effectiveLimits(tier, limits),
    featureFlags,
    createdByUserId,
    deletedAt,
    createdAt,
    updatedAt,
  };
}

function toAdminUserResponse(user: User): AdminUserResponseDto {
  return { ...toUserResponse(user), suspendedAt: user.suspendedAt };
}
