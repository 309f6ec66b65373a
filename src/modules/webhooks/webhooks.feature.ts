import { Feature, type FeatureUsage } from '../../common/features/feature';
import { WebhooksRepository } from './webhooks.repository';

/** What the webhooks module declares: its API-key scope and its plan limit. */
@Feature({
  name: 'webhooks',
  scope: 'webhooks',
  limits: { webhooks: { FREE: 2, PRO: 20, ENTERPRISE: null } },
})
export class WebhooksFeature implements FeatureUsage {
  constructor(private readonly repository: WebhooksRepository) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { webhooks: await this.repository.count(orgId) };
  }
}
