import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { decodeCursor, toPage, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { effectiveFlags, effectiveLimits } from '../../common/features/feature';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { DbContext } from '../../database/db-context';
import type { MemberRole } from '../../generated/prisma/enums';
import type {
  CreateOrganizationDto,
  FeatureFlagsDto,
  OrganizationLimitsResponseDto,
  OrganizationResponseDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { MembersRepository } from './members.repository';
import { OrganizationsRepository, type OrganizationRow } from './organizations.repository';

/** Organizations (the tenants): creation, settings, soft delete, ownership, limits and feature flags. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly members: MembersRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly db: DbContext,
    private readonly features: FeatureRegistry,
  ) {}

  /** The caller becomes the OWNER. */
  async create(dto: CreateOrganizationDto): Promise<OrganizationResponseDto> {
    const { userId } = this.context.requireUser();
    const slug = dto.slug ?? (await this.freeSlugFor(dto.name));
    if (dto.slug && (await this.organizations.slugTaken(dto.slug))) {
      throw new AppException('DUPLICATE', 'An organization with this slug already exists', [
        { field: 'slug', messages: ['slug is taken'] },
      ]);
    }
    // RLS: an organization is created (and then seen) only in its own scope, so its id is made
    // first; the owner's membership and the audit entry are written in that scope too.
    const id = this.organizations.newId();
    return this.db.run({ orgId: id }, async () => {
      const org = await this.organizations.create({ id, name: dto.name, slug, createdByUserId: userId });
      await this.audit.record({
        orgId: org.id,
        action: 'organization.created',
        resourceType: 'organization',
        resourceId: org.id,
        after: org,
      });
      await this.members.create(org.id, userId, 'OWNER');
      return toOrganizationResponse(org, 'OWNER');
    });
  }

  async listMine(query: PageQueryDto): Promise<Page<OrganizationResponseDto>> {
    const { userId } = this.context.requireUser();
    const after = decodeCursor(query.cursor, { id: 'uuid' });
    const rows = await this.organizations.listForUser(userId, { limit: query.limit + 1, afterOrgId: after?.id });
    return toPage(
      rows,
      query.limit,
      (row) => toOrganizationResponse(row.organization, row.role),
      (row) => ({ id: row.organization.id }),
    );
  }

  async get(orgId: string): Promise<OrganizationResponseDto> {
    return toOrganizationResponse(await this.find(orgId), this.callerRole());
  }

  async update(orgId: string, dto: UpdateOrganizationDto): Promise<OrganizationResponseDto> {
    if (dto.name === undefined && dto.slug === undefined && dto.domain === undefined) {
      throw new AppException('VALIDATION_FAILED', 'Give at least one of name, slug, domain');
    }
    const before = await this.find(orgId);
    // Unique slug/domain: a clash is a P2002, answered 409 DUPLICATE.
    const after = await this.organizations.update(orgId, { name: dto.name, slug: dto.slug, domain: dto.domain });
    await this.audit.record({
      action: 'organization.updated',
      resourceType: 'organization',
      resourceId: orgId,
      before,
      after,
    });
    return toOrganizationResponse(after, this.callerRole());
  }

  /** Soft delete: members get 404 until an owner restores it. */
  async remove(orgId: string): Promise<void> {
    const before = await this.find(orgId);
    const after = await this.organizations.update(orgId, { deletedAt: new Date() });
    await this.audit.record({
      action: 'organization.deleted',
      resourceType: 'organization',
      resourceId: orgId,
      before,
      after,
    });
  }

  async restore(orgId: string): Promise<OrganizationResponseDto> {
    const before = await this.find(orgId, true);
    if (!before.deletedAt) throw new AppException('VALIDATION_FAILED', 'The organization is not deleted');
    const after = await this.organizations.update(orgId, { deletedAt: null });
    await this.audit.record({
      action: 'organization.restored',
      resourceType: 'organization',
      resourceId: orgId,
      before,
      after,
    });
    return toOrganizationResponse(after, this.callerRole());
  }

  /** The target (an active member) becomes OWNER and the caller ADMIN. */
  async transferOwnership(orgId: string, targetUserId: string): Promise<OrganizationResponseDto> {
    const { userId } = this.context.requireUser();
    if (targetUserId === userId) {
      throw new AppException('VALIDATION_FAILED', 'You already own this organization', [
        { field: 'userId', messages: ['userId must be another member'] },
      ]);
    }
    const org = await this.find(orgId);
    // Under the owners' lock: of two transfers by one owner, the second finds them no owner any more.
    const owners = await this.members.lockOwners(orgId);
    if (!owners.includes(userId)) throw AppException.forbidden('Only an owner can transfer ownership');
    const target = await this.members.find(orgId, targetUserId);
    if (!target || target.status !== 'ACTIVE') throw AppException.notFound('Member');
    await this.members.update(orgId, targetUserId, { role: 'OWNER' });
    await this.members.update(orgId, userId, { role: 'ADMIN' });
    await this.audit.record({
      action: 'organization.ownership_transferred',
      resourceType: 'organization',
      resourceId: orgId,
      before: { fromUserId: userId, toUserId: targetUserId, toUserRole: target.role },
      after: { fromUserId: userId, fromUserRole: 'ADMIN', toUserId: targetUserId, toUserRole: 'OWNER' },
    });
    return toOrganizationResponse(org, 'ADMIN');
  }

  /** Each limit the modules declare, with how much of it the org uses (as the limit counts it). */
  async limits(orgId: string): Promise<OrganizationLimitsResponseDto> {
    const org = await this.find(orgId);
    const limits = effectiveLimits(org);
    const used = await this.features.usage(orgId);
    return {
      tier: org.tier,
      limits: Object.fromEntries(
        Object.entries(limits).map(([name, limit]) => [name, { limit, used: used[name] ?? 0 }]),
      ),
    };
  }

  async featureFlags(orgId: string): Promise<FeatureFlagsDto> {
    return { flags: flagsOf(await this.find(orgId)) };
  }

  async replaceFeatureFlags(orgId: string, dto: FeatureFlagsDto): Promise<FeatureFlagsDto> {
    const before = await this.find(orgId);
    const after = await this.organizations.update(orgId, { featureFlags: dto.flags });
    await this.audit.record({
      action: 'organization.feature_flags_updated',
      resourceType: 'organization',
      resourceId: orgId,
      before: { featureFlags: flagsOf(before) },
      after: { featureFlags: flagsOf(after) },
    });
    return { flags: flagsOf(after) };
  }

  private async find(orgId: string, includeDeleted = false): Promise<OrganizationRow> {
    return orNotFound(await this.organizations.findById(orgId, { includeDeleted }), 'Organization');
  }

  private callerRole(): MemberRole {
    const role = this.context.tenant?.role;
    if (!role) throw AppException.forbidden();
    return role;
  }

  /** A slug made from the name, with a random suffix when it is short or taken. */
  private async freeSlugFor(name: string): Promise<string> {
    const base = slugify(name);
    if (base.length >= 3 && !(await this.organizations.slugTaken(base))) return base;
    for (;;) {
      const candidate = `${base || 'org'}-${randomBytes(3).toString('hex')}`;
      if (!(await this.organizations.slugTaken(candidate))) return candidate;
    }
  }
}

/** Lowercase kebab-case ASCII, at most 43 characters so a 7-character suffix still fits in 50. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 43)
    .replace(/^-+|-+$/g, '');
}

function flagsOf(org: OrganizationRow): Record<string, boolean> {
  const flags = org.featureFlags;
  return flags && typeof flags === 'object' && !Array.isArray(flags) ? (flags as Record<string, boolean>) : {};
}

export function toOrganizationResponse(org: OrganizationRow, role: MemberRole): OrganizationResponseDto {
  const { id, name, slug, domain, tier, createdAt, updatedAt, deletedAt } = org;
  return {
    id,
    name,
    slug,
    domain,
    tier,
    featureFlags: effectiveFlags(org),
    limits: effectiveLimits(org),
    role,
    createdAt,
    updatedAt,
    deletedAt,
  };
}
