import { Injectable, Logger } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import { AppException } from '../errors/app-exception';
import { RequestContext } from './request-context';

/**
 * The one way into the platform-admin bypass of row-level security (DbContext.asPlatformAdmin),
 * for the platform admin's services (organizations in modules/admin, users in modules/users).
 * It checks the platform role again (RoleGuard already did), logs who used it for what in which
 * request, then runs `work` with it. Changes that concern an org are also audited in that org by
 * the operation itself.
 */
@Injectable()
export class PlatformAdminScope {
  private readonly logger = new Logger('PlatformAdmin');

  constructor(
    private readonly context: RequestContext,
    private readonly db: DbContext,
  ) {}

  run<T>(operation: string, work: () => Promise<T>, about: Record<string, string> = {}): Promise<T> {
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
}
