import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import type { RequestStore } from './request-context';
import { AppException } from '../errors/app-exception';
import { ACCESS_KEY, PUBLIC_KEY, requiredScope, type AccessRule } from '../auth/decorators';
import { hasRole } from './roles';

/**
 * The role guard (third guard): the member role or API-key scope the route declares. A route
 * that declares nothing is denied.
 */
@Injectable()
export class RoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<RequestStore>,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_KEY, targets);
    if (!rule) throw AppException.forbidden('This route is not open to any caller');
    const principal = this.cls.get('principal');
    const tenant = this.cls.get('tenant');

    if (principal?.kind === 'apiKey') {
      const needed = requiredScope(rule, context.switchToHttp().getRequest<FastifyRequest>().method);
      if (!tenant || !needed || !principal.scopes.includes(needed)) {
        throw AppException.forbidden(
          needed ? `This API key lacks the ${needed} scope` : 'API keys cannot use this route',
        );
      }
      return true;
    }
    if (!rule.tenant) {
      if (rule.platformAdmin && principal?.platformRole !== 'ADMIN')
        throw AppException.forbidden('Platform administrators only');
    } else {
      if (!tenant?.role) throw AppException.forbidden();
      if (!hasRole(tenant.role, rule.role)) throw AppException.forbidden(`This needs the ${rule.role} role or higher`);
    }
    return true;
  }
}
