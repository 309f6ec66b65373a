import { Feature, type FeatureUsage } from '../../common/features/feature';
import { PromptsRepository } from './prompts.repository';

/** What the prompts module declares: its API-key scope and its plan limit. */
@Feature({
  name: 'prompts',
  scope: 'prompts',
  limits: { prompts: { FREE: 50, PRO: 2000, ENTERPRISE: null } },
})
export class PromptsFeature implements FeatureUsage {
  constructor(private readonly repository: PromptsRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { prompts: await this.repository.count(orgId) };
  }
}
