import { Injectable, type CanActivate, type ExecutionContext, type Type } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DbContext } from '../../database/db-context';
import type { RequestStore } from '../tenancy/request-context';
import { AccessCache } from '../tenancy/access-cache';
import { FeatureRegistry } from './feature-registry';

/**
 * After the role check: a tenant route of a module whose feature flag is off for the org
 * answers 403 FEATURE_DISABLED naming the flag. Routes of unflagged modules cost nothing.
 */
@Injectable()
export class FeatureFlagGuard implements CanActivate {
  constructor(
    private readonly registry: FeatureRegistry,
    private readonly cls: ClsService<RequestStore>,
    private readonly db: DbContext,
    private readonly cache: AccessCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const flag = this.registry.flagOf(context.getClass() as Type);
    const tenant = this.cls.get('tenant');
    if (!flag || !tenant) return true;
    const { orgId } = tenant;
    const plan = await this.cache.remember(
      `plan:${orgId}`,
      () => this.db.run({ orgId }, () => this.registry.planOf(orgId)),
      () => [`org:${orgId}`],
    );
    this.registry.assertFlagOn(plan, flag);
    return true;
  }
}
