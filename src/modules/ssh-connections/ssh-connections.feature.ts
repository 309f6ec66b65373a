import { Feature, type FeatureUsage } from '../../common/features/feature';
import { SshConnectionsRepository } from './ssh-connections.repository';

/** What the SSH connections module declares: its API-key scope and its plan limit. */
@Feature({
  name: 'connections',
  scope: 'connections',
  limits: { connections: { FREE: 5, PRO: 100, ENTERPRISE: null } },
})
export class SshConnectionsFeature implements FeatureUsage {
  constructor(private readonly repository: SshConnectionsRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { connections: await this.repository.count(orgId) };
  }
}
