import { Feature, type FeatureUsage } from '../../common/features/feature';
import { HostsRepository } from './hosts.repository';

/** What the hosts module declares: its API-key scope and its plan limit. */
@Feature({
  name: 'hosts',
  scope: 'hosts',
  limits: { hosts: { FREE: 5, PRO: 100, ENTERPRISE: null } },
})
export class HostsFeature implements FeatureUsage {
  constructor(private readonly repository: HostsRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { hosts: await this.repository.count(orgId) };
  }
}
