import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../../common/errors/app-exception';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import { effectiveLimits } from '../../common/features/feature';
import { PlatformAdminScope } from '../../common/tenancy/platform-admin-scope';
import { AdminRepository, type OrgRow } from './admin.repository';
import type { AdminOrgResponseDto, AdminSearchQueryDto, AdminUpdateOrgDto } from './dto/admin.dto';

/**
 * Platform administration of organizations (seed 002's global ADMIN): every organization, plan
 * tiers and limit overrides, audited in the organization they concern. Users are administered in
 * the users module (AdminUsersService).
 *
 * Row-level security shows organizations only to their own scopes; these operations read and
 * change them across all of them through the platform-admin bypass (PlatformAdminScope), after
 * RoleGuard has checked the platform role.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly repository: AdminRepository,
    private readonly audit: AuditService,
    private readonly adminScope: PlatformAdminScope,
  ) {}

  listOrgs(query: AdminSearchQueryDto): Promise<Page<AdminOrgResponseDto>> {
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    return this.adminScope.run('orgs.list', async () => {
      const rows = await this.repository.listOrgs({ limit: query.limit + 1, beforeId: after?.id, search: query.q });
      return toPage(rows, query.limit, toOrgResponse, (row) => ({ id: row.id }));
    });
  }

  updateOrg(orgId: string, dto: AdminUpdateOrgDto): Promise<AdminOrgResponseDto> {
    return this.adminScope.run('orgs.update', () => this.updateOrgAsAdmin(orgId, dto), { orgId });
  }

  private async updateOrgAsAdmin(orgId: string, dto: AdminUpdateOrgDto): Promise<AdminOrgResponseDto> {
    const before = await this.repository.findOrg(orgId);
    if (!before) throw AppException.notFound('Organization');
    const after = await this.repository.updateOrg(orgId, { tier: dto.tier, limits: dto.limits });
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
}

function toOrgResponse(org: OrgRow): AdminOrgResponseDto {
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
