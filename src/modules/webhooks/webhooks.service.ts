import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import { paginate, paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { KeyRing } from '../../common/secrets/key-ring.provider';
import { secretAad } from '../../common/secrets/secret-columns';
import { RequestContext } from '../../common/tenancy/request-context';
import {
  toDeliveryDetailResponse,
  toDeliveryResponse,
  toWebhookResponse,
  type CreateWebhookDto,
  type ListWebhookDeliveriesQueryDto,
  type UpdateWebhookDto,
  type WebhookDeliveryDetailResponseDto,
  type WebhookDeliveryResponseDto,
  type WebhookResponseDto,
  type WebhookWithSecretResponseDto,
} from './dto/webhook.dto';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WEBHOOK_ORDER, WebhooksRepository, type WebhookRow } from './webhooks.repository';

/**
 * Webhooks of an organization (issue 12): the URL passes the outbound (SSRF) policy when saved
 * (and again at every connection, see WebhookDeliveryRunner); the signing secret is generated
 * here, stored encrypted and shown once, on create and rotate-secret.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly outbound: OutboundPolicy,
    private readonly keyRing: KeyRing,
  ) {}

  async create(orgId: string, dto: CreateWebhookDto): Promise<WebhookWithSecretResponseDto> {
    await this.features.assertCanAdd(orgId, 'webhooks');
    await this.outbound.assertAllowed(dto.url, 'url');
    const secret = newSecret();
    const row = await this.repository.create(
      orgId,
      { ...dto, events: unique(dto.events) },
      this.seal(orgId, secret),
      this.context.userId ?? null,
    );
    return { ...toWebhookResponse(row), secret };
  }

  list(orgId: string, query: PageQueryDto): Promise<Page<WebhookResponseDto>> {
    return paginate(query, WEBHOOK_ORDER, (page) => this.repository.list(orgId, page), toWebhookResponse);
  }

  async get(orgId: string, id: string): Promise<WebhookResponseDto> {
    return toWebhookResponse(await this.find(orgId, id));
  }

  async update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    dto: UpdateWebhookDto,
  ): Promise<WebhookResponseDto> {
    if (dto.url !== undefined) await this.outbound.assertAllowed(dto.url, 'url');
    const data = { ...dto, events: dto.events && unique(dto.events) };
    return toWebhookResponse(orNotFound(await this.repository.update(orgId, id, expected, data), 'Webhook'));
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id, expected), 'Webhook');
  }

  /** A new secret, shown this once; deliveries are signed with it from now on (retries included). */
  async rotateSecret(orgId: string, id: string): Promise<WebhookWithSecretResponseDto> {
    const secret = newSecret();
    const row = orNotFound(await this.repository.rotateSecret(orgId, id, this.seal(orgId, secret)), 'Webhook');
    return { ...toWebhookResponse(row), secret };
  }

  async listDeliveries(
    orgId: string,
    webhookId: string,
    query: ListWebhookDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryResponseDto>> {
    return paginateChildren(
      query,
      WEBHOOK_ORDER,
      () => this.find(orgId, webhookId),
      (page) => this.repository.listDeliveries(orgId, webhookId, { ...page, status: query.status }),
      toDeliveryResponse,
    );
  }

  async getDelivery(orgId: string, webhookId: string, id: string): Promise<WebhookDeliveryDetailResponseDto> {
    const delivery = await this.repository.findDelivery(orgId, webhookId, id);
    return toDeliveryDetailResponse(orNotFound(delivery, 'Webhook delivery'));
  }

  /** A new delivery of the same payload (same `id` inside, so receivers can tell a repeat). */
  async redeliver(orgId: string, webhookId: string, id: string): Promise<WebhookDeliveryResponseDto> {
    const webhook = await this.find(orgId, webhookId);
    this.assertActive(webhook);
    const original = orNotFound(await this.repository.findDelivery(orgId, webhookId, id), 'Webhook delivery');
    const payload = original.payload as object;
    const delivery = await this.dispatcher.deliver(
      orgId,
      { webhookId, event: original.event, payload: () => payload },
      'webhook_delivery.redelivered',
    );
    return toDeliveryResponse(delivery);
  }

  /** Sends a `webhook.ping` event to this webhook alone. */
  async ping(orgId: string, webhookId: string): Promise<WebhookDeliveryResponseDto> {
    const webhook = await this.find(orgId, webhookId);
    this.assertActive(webhook);
    const principal = this.context.principal;
    const actor =
      principal?.kind === 'user'
        ? { type: 'USER', id: principal.userId }
        : principal?.kind === 'apiKey'
          ? { type: 'API_KEY', id: principal.apiKeyId }
          : { type: 'SYSTEM', id: null };
    const delivery = await this.dispatcher.deliver(
      orgId,
      {
        webhookId,
        event: 'webhook.ping',
        payload: (id) => ({
          id,
          type: 'webhook.ping',
          createdAt: new Date().toISOString(),
          orgId,
          data: { resourceType: 'webhook', resourceId: webhookId, actor },
        }),
      },
      'webhook.pinged',
    );
    return toDeliveryResponse(delivery);
  }

  private async find(orgId: string, id: string): Promise<WebhookRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'Webhook');
  }

  private assertActive(webhook: WebhookRow): void {
    if (!webhook.isActive)
      throw new AppException('WEBHOOK_INACTIVE', 'The webhook is inactive: activate it first (PATCH isActive)');
  }

  private seal(orgId: string, secret: string): string {
    return this.keyRing.encrypt(secret, secretAad('webhooks.encryptedSecret', orgId));
  }
}

/** `whsec_` and 32 random bytes: the HMAC key of the signatures, used as shown. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

const unique = (events: string[]) => [...new Set(events)];
