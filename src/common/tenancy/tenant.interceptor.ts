import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DbContext } from '../../database/db-context';
import type { RequestStore } from './request-context';
import { NO_REQUEST_TRANSACTION_KEY } from '../auth/decorators';

/**
 * The tenant interceptor: one transaction per authenticated request, carrying the caller's org
 * and user for RLS, so the handler's queries and its audit entry commit or roll back together.
 */
@Injectable()
export class TenantInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<RequestStore>,
    private readonly db: DbContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const principal = this.cls.get('principal');
    const skip = this.reflector.getAllAndOverride<boolean>(NO_REQUEST_TRANSACTION_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!principal || skip) return next.handle();
    const tenant = this.cls.get('tenant');
    const scope =
      principal.kind === 'user'
        ? { orgId: tenant?.orgId, userId: principal.userId, email: principal.email }
        : { orgId: principal.orgId };
    return from(this.db.run(scope, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
