import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import type { RequestStore } from './request-context';
import { AppException } from '../errors/app-exception';
import { TenancyRepository } from './tenancy.repository';
import { AccessCache } from './access-cache';
import { ACCESS_KEY, TENANT_PARAM, type AccessRule } from '../auth/decorators';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Second guard: on routes declared `tenant: true`, resolve the caller's place in the
 * organization of `:orgId` and put it in the request context (`@OrgId()`, RLS scope).
 * Non-members (and keys of other orgs) get 404, so an org's existence is not disclosed.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<RequestStore>,
    private readonly access: TenancyRepository,
    private readonly cache: AccessCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule?.tenant) return true;
    const params = context.switchToHttp().getRequest<FastifyRequest<{ Params: Record<string, string> }>>().params;
    const orgId = params?.[TENANT_PARAM]?.toLowerCase();
    const principal = this.cls.get('principal');
    if (!principal || !orgId || !UUID.test(orgId)) throw AppException.notFound('Organization');

    if (principal.kind === 'apiKey') {
      if (principal.orgId !== orgId) throw AppException.notFound('Organization');
      this.cls.set('tenant', { orgId, role: null });
      return true;
    }
    const { userId } = principal;
    const membership = await this.cache.remember(
      `member:${orgId}:${userId}`,
      () => this.access.findMembership(orgId, userId),
      () => [`member:${orgId}:${userId}`, `user:${userId}`, `org:${orgId}`],
    );
    if (!membership?.active || (membership.orgDeleted && !rule.allowDeletedOrg))
      throw AppException.notFound('Organization');
    this.cls.set('tenant', { orgId, role: membership.role });
    return true;
  }
}
