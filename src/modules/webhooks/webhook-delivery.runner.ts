import { createHmac } from 'node:crypto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { OutboundRefusedError } from '../../common/outbound/outbound-policy';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad } from '../../common/secrets/secret-columns';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { PeriodicSweep } from '../../jobs/periodic-sweep';
import { JobsService, type JobContext } from '../../jobs/jobs.service';
import { WEBHOOK_DELIVERY_QUEUE, WebhookDispatcher, type WebhookDeliveryJob } from './webhook-dispatcher';
import { WebhooksRepository, type DeliveryAttempt } from './webhooks.repository';

/** How much of a receiver's answer is kept on the delivery. */
const RESPONSE_SNIPPET_BYTES = 2048;

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the webhook's secret as
 * shown to the client (Stripe's scheme: the timestamp inside the signature defeats replays).
 */
export function signature(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Sends deliveries, one job each: POSTs the payload, signed, through the policed fetch (the
 * outbound policy is checked again at connect time: DNS rebinding), no redirects followed.
 * 2xx → SUCCEEDED. Anything else is recorded on the delivery and thrown, so pg-boss tries again
 * with backoff; the last attempt (WEBHOOK_MAX_ATTEMPTS) leaves it FAILED. The sweep re-queues
 * PENDING deliveries whose job was lost and prunes deliveries past their retention.
 */
@Injectable()
export class WebhookDeliveryRunner implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly sweeper = new PeriodicSweep('webhook deliveries', () => this.sweepDeliveries(), this.logger);

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly jobs: JobsService,
    private readonly db: DbContext,
    private readonly outbound: OutboundPolicy,
    private readonly keyRing: KeyRing,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<WebhookDeliveryJob>(WEBHOOK_DELIVERY_QUEUE, (job, context) => this.send(job, context), {
      retryLimit: this.config.WEBHOOK_MAX_ATTEMPTS - 1,
      retryDelaySeconds: this.config.WEBHOOK_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      expireInSeconds: Math.ceil(this.config.WEBHOOK_TIMEOUT_MS / 1000) + 30,
    });
  }

  onApplicationBootstrap(): void {
    this.sweeper.start(this.config.WEBHOOK_SWEEP_INTERVAL_SECONDS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }

  /** One attempt of one delivery (the job's handler). */
  async send(job: WebhookDeliveryJob, context: JobContext): Promise<void> {
    const { orgId, deliveryId } = job;
    const claimed = await this.db.run({ orgId }, () => this.repository.claimDelivery(orgId, deliveryId));
    if (!claimed) return; // delivered, failed or deleted meanwhile
    const { delivery, webhook } = claimed;
    if (!webhook.isActive) {
      await this.db.run({ orgId }, () => this.repository.fail(orgId, deliveryId, 'The webhook is inactive'));
      return;
    }
    const secret = this.keyRing.decrypt(webhook.encryptedSecret, secretAad('webhooks.encryptedSecret', orgId));
    const body = JSON.stringify(delivery.payload);
    const attempt = await this.post(
      webhook.url,
      body,
      {
        'Content-Type': 'application/json',
        'User-Agent': 'Orgbase-Webhooks/1',
        'Orgbase-Event': delivery.event,
        'Orgbase-Delivery': delivery.id,
        'Orgbase-Signature': signature(secret, body, Math.floor(Date.now() / 1000)),
      },
      context.signal,
    );
    const lastTry =
      delivery.attempts + 1 >= this.config.WEBHOOK_MAX_ATTEMPTS || context.retryCount >= context.retryLimit;
    const succeeded = attempt.responseStatus !== null && attempt.responseStatus >= 200 && attempt.responseStatus < 300;
    const status = succeeded ? 'SUCCEEDED' : lastTry ? 'FAILED' : 'PENDING';
    await this.db.run({ orgId }, () => this.repository.recordAttempt(orgId, deliveryId, { ...attempt, status }));
    const outcome = attempt.error ?? `HTTP ${attempt.responseStatus}`;
    if (status === 'PENDING') throw new Error(`Webhook delivery ${deliveryId}: ${outcome}; tried again later`);
    if (status === 'FAILED')
      this.logger.warn(`Webhook delivery ${deliveryId} failed after ${delivery.attempts + 1} attempts: ${outcome}`);
  }

  /** Re-queues PENDING deliveries whose job was lost, fails those whose job ended, prunes old ones. */
  sweep(): Promise<void> {
    return this.sweeper.run();
  }

  private async sweepDeliveries(): Promise<void> {
    const idle = this.config.WEBHOOK_SWEEP_INTERVAL_SECONDS;
    const stale = await this.db.run({}, () => this.repository.staleDeliveries(idle));
    for (const { id, orgId } of stale) {
      const state = await this.jobs.state(WEBHOOK_DELIVERY_QUEUE, id);
      if (state === null) {
        this.logger.warn(`Webhook delivery ${id}: queueing it again (its job was lost)`);
        await this.dispatcher.queue(orgId, id);
      } else if (state === 'completed' || state === 'failed' || state === 'cancelled') {
        await this.db.run({ orgId }, () => this.repository.fail(orgId, id, `The delivery's job ended (${state})`));
      }
    }
    const pruned = await this.db.run({}, () =>
      this.repository.pruneDeliveries(this.config.WEBHOOK_DELIVERY_RETENTION_DAYS),
    );
    if (pruned > 0) this.logger.log(`Pruned ${pruned} webhook deliveries past their retention`);
  }

  /** One POST; never throws: the outcome (status and snippet, or the error) is the attempt. */
  private async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    jobSignal: AbortSignal,
  ): Promise<Omit<DeliveryAttempt, 'status'>> {
    const started = Date.now();
    const timeout = AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_MS);
    try {
      const response = await this.outbound.fetch(url, {
        method: 'POST',
        body,
        headers,
        redirect: 'manual',
        signal: AbortSignal.any([jobSignal, timeout]),
      });
      const responseBody = await snippet(response);
      return { responseStatus: response.status, responseBody, error: null, durationMs: Date.now() - started };
    } catch (error) {
      return {
        responseStatus: null,
        responseBody: null,
        error: describe(error, timeout, this.config.WEBHOOK_TIMEOUT_MS),
        durationMs: Date.now() - started,
      };
    }
  }
}

/** The first RESPONSE_SNIPPET_BYTES of the answer; the rest is not read. */
async function snippet(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < RESPONSE_SNIPPET_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  const text = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET_BYTES).toString('utf8');
  return text === '' ? null : text;
}

function describe(error: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `No answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof OutboundRefusedError) return `Refused by the outbound policy: ${cause.reason}`;
  const code = (cause as { code?: string } | undefined)?.code;
  return code ? `${(error as Error).message} (${code})` : (error as Error).message;
}
