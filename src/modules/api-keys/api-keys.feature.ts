import { Feature, type FeatureUsage } from '../../common/features/feature';
import { ApiKeysRepository } from './api-keys.repository';

/** Unrevoked service API keys count against the plan. */
@Feature({ name: 'api-keys', limits: { apiKeys: { FREE: 2, PRO: 20, ENTERPRISE: null } } })
export class ApiKeysFeature implements FeatureUsage {
  constructor(private readonly repository: ApiKeysRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { apiKeys: await this.repository.countActive(orgId) };
  }
}
