import { Feature, type FeatureUsage } from '../../common/features/feature';
import { GitProvidersRepository } from './git-providers.repository';

/** Git providers and their repositories share one API-key scope, `git`; the plan bounds the providers. */
@Feature({
  name: 'git',
  scope: 'git',
  limits: { gitProviders: { FREE: 2, PRO: 20, ENTERPRISE: null } },
})
export class GitProvidersFeature implements FeatureUsage {
  constructor(private readonly repository: GitProvidersRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { gitProviders: await this.repository.count(orgId) };
  }
}
