import { Feature, type FeatureUsage } from '../../common/features/feature';
import { ScenarioSuitesRepository } from './scenario-suites.repository';

/** The suites' plan limit. No scope of their own: their routes use `scenarios`. */
@Feature({
  name: 'scenario-suites',
  limits: { scenarioSuites: { FREE: 25, PRO: 1000, ENTERPRISE: null } },
})
export class ScenarioSuitesFeature implements FeatureUsage {
  constructor(private readonly repository: ScenarioSuitesRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { scenarioSuites: await this.repository.count(orgId) };
  }
}
