import { Feature, type FeatureUsage } from '../../common/features/feature';
import { ProviderKeysRepository } from './provider-keys.repository';

/**
 * What the provider-keys module declares: its API-key scope and its plan limit. The limit counts
 * the keys the caller sees — the org's keys and their own personal ones (row-level security hides
 * the others) — so each member's personal keys are bounded along with the org's.
 */
@Feature({
  name: 'provider-keys',
  scope: 'provider-keys',
  limits: { providerKeys: { FREE: 10, PRO: 100, ENTERPRISE: null } },
})
export class ProviderKeysFeature implements FeatureUsage {
  constructor(private readonly repository: ProviderKeysRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { providerKeys: await this.repository.count(orgId) };
  }
}
