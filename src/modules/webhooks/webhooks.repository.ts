import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import { uuidv7 } from '../../database/prisma.service';
import type { Prisma, Webhook, WebhookDelivery } from '../../generated/prisma/client';
import type { WebhookDeliveryStatus } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

/** A webhook as stored (its secret encrypted); what the repository hands to the service. */
export type WebhookRow = Webhook;
export type WebhookDeliveryRow = WebhookDelivery;
/** A delivery without its payload: what lists show. */
export type WebhookDeliverySummary = Omit<WebhookDelivery, 'payload'>;

export interface WebhookData {
  url: string;
  description?: string | null;
  events: string[];
  isActive?: boolean;
}

/** A delivery to queue: its id is chosen first, as the payload names it. */
export interface NewDelivery {
  id: string;
  webhookId: string;
  event: string;
  payload: object;
}

/** The outcome of one attempt. */
export interface DeliveryAttempt {
  status: WebhookDeliveryStatus;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number;
}

/** Lists go by id: uuid v7, so newest first is id descending. */
export const WEBHOOK_ORDER = { id: 'uuid' } as const satisfies CursorShape;

/** The audit view of a webhook: everything but the secret (redacted anyway; left out to be plain). */
const auditView = ({ encryptedSecret, ...rest }: WebhookRow) => (void encryptedSecret, rest);
const SUMMARY = { payload: false } as const;

/**
 * Webhooks and their deliveries. Every method takes orgId first and filters on it; RLS is the
 * next layer. Writes of webhooks go through AuditedWrites; deliveries are the server's own
 * bookkeeping (their creation is the audited event they carry).
 */
@Injectable()
export class WebhooksRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  newId(): string {
    return uuidv7();
  }

  create(orgId: string, data: WebhookData, encryptedSecret: string, createdByUserId: string | null) {
    return this.audited.create(
      'webhook',
      () => this.db.client.webhook.create({ data: { ...data, orgId, encryptedSecret, createdByUserId } }),
      { view: auditView },
    );
  }

  list(orgId: string, options: { take: number; after?: Cursor<typeof WEBHOOK_ORDER> }): Promise<WebhookRow[]> {
    const page = keyset(WEBHOOK_ORDER, 'desc', options.after);
    return this.db.client.webhook.findMany({
      where: { orgId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.webhook.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<WebhookRow | null> {
    return this.db.client.webhook.findFirst({ where: { orgId, id } });
  }

  /** Null when there is no such webhook; 412 VERSION_CONFLICT when `expected` is not its version. */
  update(orgId: string, id: string, expected: ExpectedVersion, data: Partial<WebhookData>) {
    return this.audited.update(
      'webhook',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.webhook.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: { ...data, version: { increment: 1 } },
        }),
      { view: auditView },
    );
  }

  /** A new secret; the version moves on, as for any change. */
  rotateSecret(orgId: string, id: string, encryptedSecret: string) {
    return this.audited.update(
      'webhook',
      () => this.lock(orgId, id),
      () =>
        this.db.client.webhook.update({
          where: { id, orgId },
          data: { encryptedSecret, version: { increment: 1 } },
        }),
      { action: 'webhook.secret_rotated', view: auditView },
    );
  }

  /** Deletes the webhook and (cascade) its deliveries. */
  delete(orgId: string, id: string, expected: ExpectedVersion) {
    return this.audited.delete(
      'webhook',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.webhook.delete({ where: { id, orgId, version: matchVersion(before.version, expected) } }),
      { view: auditView },
    );
  }

  /** The active webhooks of the org subscribed to any of `patterns` (one indexed query per audited write). */
  async subscribed(orgId: string, patterns: string[]): Promise<string[]> {
    const rows = await this.db.client.$queryRaw<{ id: string }[]>`
      SELECT id FROM webhooks WHERE "orgId" = ${orgId}::uuid AND "isActive" AND events && ${patterns}::text[]`;
    return rows.map((row) => row.id);
  }

  async addDeliveries(orgId: string, deliveries: NewDelivery[]): Promise<void> {
    await this.db.client.webhookDelivery.createMany({
      data: deliveries.map((d) => ({ ...d, orgId, payload: d.payload as Prisma.InputJsonValue })),
    });
  }

  /** One delivery a client asked for (redeliver, ping), audited as `action`. */
  addDelivery(orgId: string, delivery: NewDelivery, action: string): Promise<WebhookDeliverySummary> {
    return this.audited.create(
      'webhook_delivery',
      () =>
        this.db.client.webhookDelivery.create({
          data: { ...delivery, orgId, payload: delivery.payload as Prisma.InputJsonValue },
          omit: SUMMARY,
        }),
      { action },
    );
  }

  listDeliveries(
    orgId: string,
    webhookId: string,
    options: { take: number; after?: Cursor<typeof WEBHOOK_ORDER>; status?: WebhookDeliveryStatus },
  ): Promise<WebhookDeliverySummary[]> {
    const page = keyset(WEBHOOK_ORDER, 'desc', options.after);
    return this.db.client.webhookDelivery.findMany({
      where: { orgId, webhookId, status: options.status, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
      omit: SUMMARY,
    });
  }

  findDelivery(orgId: string, webhookId: string, id: string): Promise<WebhookDeliveryRow | null> {
    return this.db.client.webhookDelivery.findFirst({ where: { orgId, webhookId, id } });
  }

  /** A PENDING delivery with its webhook; null once it is delivered, failed or gone. */
  async claimDelivery(
    orgId: string,
    id: string,
  ): Promise<{ delivery: WebhookDeliveryRow; webhook: WebhookRow } | null> {
    const delivery = await this.db.client.webhookDelivery.findFirst({
      where: { orgId, id, status: 'PENDING' },
      include: { webhook: true },
    });
    if (!delivery) return null;
    const { webhook, ...row } = delivery;
    return { delivery: row, webhook };
  }

  /** Records an attempt: one more try, its answer, and the status it leaves. */
  async recordAttempt(orgId: string, id: string, attempt: DeliveryAttempt): Promise<void> {
    const now = new Date();
    await this.db.client.webhookDelivery.updateMany({
      where: { orgId, id, status: 'PENDING' },
      data: {
        ...attempt,
        attempts: { increment: 1 },
        lastAttemptAt: now,
        deliveredAt: attempt.status === 'SUCCEEDED' ? now : undefined,
      },
    });
  }

  /** Ends a PENDING delivery without an attempt (its webhook was deactivated, its job ended). */
  async fail(orgId: string, id: string, error: string): Promise<void> {
    await this.db.client.webhookDelivery.updateMany({
      where: { orgId, id, status: 'PENDING' },
      data: { status: 'FAILED', error },
    });
  }

  /** PENDING deliveries of any org untouched for `idleSeconds` (a definer function: ids and scope only). */
  staleDeliveries(idleSeconds: number): Promise<{ id: string; orgId: string }[]> {
    return this.db.client.$queryRaw`SELECT id, "orgId" FROM app_stale_webhook_deliveries(${idleSeconds}::int)`;
  }

  /** Deletes deliveries older than `keepDays` in every org; how many went. */
  async pruneDeliveries(keepDays: number): Promise<number> {
    const [row] = await this.db.client.$queryRaw<{ n: number }[]>`
      SELECT app_prune_webhook_deliveries(${keepDays}::int) AS n`;
    return row?.n ?? 0;
  }

  private async lock(orgId: string, id: string): Promise<WebhookRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM webhooks WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
