import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DbContext } from '../../database/db-context';
import { RequestContext } from './request-context';
import { NO_REQUEST_TRANSACTION_KEY } from '../auth/decorators';

/**
 * The tenant interceptor: one transaction per authenticated request, carrying the caller's org
 * and user for RLS, so the handler's queries and its audit entry commit or roll back together.
 */
@Injectable()
export class TenantInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly db: DbContext,
    private readonly request: RequestContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const skip = this.reflector.getAllAndOverride<boolean>(NO_REQUEST_TRANSACTION_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!this.request.principal || skip) return next.handle();
    return from(this.db.run(this.request.dbScope, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }
}
