import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobsService } from '../../jobs/jobs.service';
import { AuditService } from '../audit/audit.service';
import type { AuditRow } from '../audit/audit.repository';
import { patternsMatching } from './webhook-events';
import { WebhooksRepository, type NewDelivery, type WebhookDeliverySummary } from './webhooks.repository';

export const WEBHOOK_DELIVERY_QUEUE = 'webhook-delivery';

/** A delivery job: the delivery to send (its id is the job's id too). */
export interface WebhookDeliveryJob {
  orgId: string;
  deliveryId: string;
}

/**
 * Turns audit entries into deliveries: each entry recorded, in the transaction that records it,
 * gets a PENDING delivery per active webhook of its org subscribed to the action, and a job
 * queued once that transaction commits. A write that rolls back sends nothing.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly jobs: JobsService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.audit.listen((entry) => this.dispatch(entry));
  }

  /** The audit hook: one indexed query when nobody listens. */
  async dispatch(entry: AuditRow): Promise<void> {
    const webhookIds = await this.repository.subscribed(entry.orgId, patternsMatching(entry.action));
    if (webhookIds.length === 0) return;
    const data = {
      resourceType: entry.resourceType,
      resourceId: entry.resourceId,
      actor: { type: entry.actorType, id: entry.actorId },
      before: entry.before ?? undefined,
      after: entry.after ?? undefined,
    };
    const deliveries: NewDelivery[] = webhookIds.map((webhookId) => {
      const id = this.repository.newId();
      const payload = { id, type: entry.action, createdAt: entry.createdAt.toISOString(), orgId: entry.orgId, data };
      return { id, webhookId, event: entry.action, payload };
    });
    await this.repository.addDeliveries(entry.orgId, deliveries);
    for (const delivery of deliveries) await this.queue(entry.orgId, delivery.id);
  }

  /** One delivery to one webhook (redeliver, ping), audited as `action`; `payload` gets the new id. */
  async deliver(
    orgId: string,
    delivery: { webhookId: string; event: string; payload: (id: string) => object },
    action: string,
  ): Promise<WebhookDeliverySummary> {
    const id = this.repository.newId();
    const row = await this.repository.addDelivery(orgId, { ...delivery, id, payload: delivery.payload(id) }, action);
    await this.queue(orgId, id);
    return row;
  }

  /** Queued after commit (inside a transaction); the sweep re-queues what is lost. */
  queue(orgId: string, deliveryId: string): Promise<void> {
    const job: WebhookDeliveryJob = { orgId, deliveryId };
    return this.jobs.send(WEBHOOK_DELIVERY_QUEUE, job, { id: deliveryId });
  }
}
