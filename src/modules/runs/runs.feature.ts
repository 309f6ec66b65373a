import { Feature, type FeatureUsage } from '../../common/features/feature';
import { RunsRepository } from './runs.repository';

/**
 * What the runs module declares: its API-key scope and its plan limit. The limit is on runs
 * queued or running at once (the models are paid with the org's own keys; what the server
 * shares is its job workers), so one org cannot fill the queue for every other.
 */
@Feature({
  name: 'runs',
  scope: 'runs',
  limits: { activeRuns: { FREE: 2, PRO: 20, ENTERPRISE: null } },
})
export class RunsFeature implements FeatureUsage {
  constructor(private readonly repository: RunsRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { activeRuns: await this.repository.count(orgId) };
  }
}
