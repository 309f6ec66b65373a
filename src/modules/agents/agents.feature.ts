import { Feature, type FeatureUsage } from '../../common/features/feature';
import { AgentsRepository } from './agents.repository';
import { ExecutionsRepository } from './executions.repository';

/**
 * What the agents module (agents and their executions) declares: the `agents` flag (on for
 * every tier by default), the API-key scope `agents`, and its plan limits: live agents, and
 * executions pending or running at once (the models are paid with the org's own keys; what the
 * server shares is its job workers, so one org cannot fill the queue for every other).
 */
@Feature({
  name: 'agents',
  scope: 'agents',
  flag: { name: 'agents', defaultByTier: { FREE: true, PRO: true, ENTERPRISE: true } },
  limits: {
    agents: { FREE: 5, PRO: 100, ENTERPRISE: null },
    activeExecutions: { FREE: 5, PRO: 50, ENTERPRISE: null },
  },
})
export class AgentsFeature implements FeatureUsage {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly executions: ExecutionsRepository,
  ) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { agents: await this.agents.count(orgId), activeExecutions: await this.executions.count(orgId) };
  }
}
