import { Feature, type FeatureUsage } from '../../common/features/feature';
import { ScenariosRepository } from './scenarios.repository';

/**
 * What the scenarios module declares: its API-key scope (suites use it too: a suite is an
 * ordering of scenarios) and its plan limit.
 */
@Feature({
  name: 'scenarios',
  scope: 'scenarios',
  limits: { scenarios: { FREE: 50, PRO: 2000, ENTERPRISE: null } },
})
export class ScenariosFeature implements FeatureUsage {
  constructor(private readonly repository: ScenariosRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { scenarios: await this.repository.count(orgId) };
  }
}
