import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import type { RequestStore } from '../context/request-context';
import { AppException } from '../errors/app-exception';
import { AccessRepository } from './access.repository';
import { ACCESS_KEY, PUBLIC_KEY, type AccessRule } from './decorators';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Second guard: for routes with an {orgId}, resolve the caller's place in that organization.
 * Non-members (and keys of other orgs) get 404, so an org's existence is not disclosed.
 */
@Injectable()
export class TenantGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<RequestStore>,
    private readonly access: AccessRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const orgId = context.switchToHttp().getRequest<FastifyRequest<{ Params: { orgId?: string } }>>().params?.orgId;
    if (orgId === undefined) return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    // Platform administration reaches any organization; AccessGuard checks the platform role.
    if (rule?.platformAdmin) return true;
    const principal = this.cls.get('principal');
    if (!principal || !UUID.test(orgId)) throw AppException.notFound('Organization');

    if (principal.kind === 'apiKey') {
      if (principal.orgId !== orgId.toLowerCase()) throw AppException.notFound('Organization');
      this.cls.set('tenant', { orgId: principal.orgId, role: null });
      return true;
    }
    const role = await this.access.findActiveRole(orgId, principal.userId, rule?.allowDeletedOrg ?? false);
    if (!role) throw AppException.notFound('Organization');
    this.cls.set('tenant', { orgId: orgId.toLowerCase(), role });
    return true;
  }
}
