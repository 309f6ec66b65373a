import { Feature, type FeatureUsage } from '../../common/features/feature';
import { VariablesRepository } from './variables.repository';

/** What the variables module declares: its API-key scope and its plan limit. */
@Feature({
  name: 'variables',
  scope: 'variables',
  limits: { variables: { FREE: 100, PRO: 5000, ENTERPRISE: null } },
})
export class VariablesFeature implements FeatureUsage {
  constructor(private readonly repository: VariablesRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { variables: await this.repository.count(orgId) };
  }
}
