import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import {
  CreateWebhookDto,
  ListWebhookDeliveriesQueryDto,
  UpdateWebhookDto,
  WebhookDeliveryDetailResponseDto,
  WebhookDeliveryResponseDto,
  WebhookEventsResponseDto,
  WebhookResponseDto,
  WebhookWithSecretResponseDto,
} from './dto/webhook.dto';
import { WEBHOOK_EVENTS } from './webhook-events';
import { WebhooksService } from './webhooks.service';

/** ADMIN+ for everything, reads included: URLs and delivery payloads can be sensitive. */
const WEBHOOKS = { tenant: true, role: 'ADMIN', scope: 'webhooks' } as const;
const OUTBOUND_REFUSED = 'url breaks the outbound (SSRF) policy; `errors` says why';
const INACTIVE = 'the webhook is inactive';

@ApiTag(
  'webhooks',
  'Signed HTTP callbacks of an organization’s audit events (ADMIN+); deliveries are retried with backoff and listed with their outcome.',
)
@Controller('v1/orgs/:orgId/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Add a webhook; the answer carries its signing `secret`, shown this once. */
  @Post()
  @SendsETag()
  @Authenticated(WEBHOOKS)
  @ApiCreatedResponse({ type: WebhookWithSecretResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the organization has a webhook with this url' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  create(@OrgId() orgId: string, @Body() dto: CreateWebhookDto): Promise<WebhookWithSecretResponseDto> {
    return this.webhooks.create(orgId, dto);
  }

  /** List webhooks, newest first (never with their secret). */
  @Get()
  @Authenticated(WEBHOOKS)
  @ApiOkResponse({ type: PageOf(WebhookResponseDto) })
  list(@OrgId() orgId: string, @Query() query: PageQueryDto) {
    return this.webhooks.list(orgId, query);
  }

  @Get(':webhookId')
  @SendsETag()
  @Authenticated(WEBHOOKS)
  @ApiOkResponse({ type: WebhookResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('webhookId', UuidParamPipe) id: string): Promise<WebhookResponseDto> {
    return this.webhooks.get(orgId, id);
  }

  /** Change url, events, description or isActive: If-Match carries the ETag it was read with. */
  @Patch(':webhookId')
  @SendsETag()
  @Authenticated(WEBHOOKS)
  @ApiOkResponse({ type: WebhookResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the organization has a webhook with this url' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  update(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookResponseDto> {
    return this.webhooks.update(orgId, id, expected, dto);
  }

  /** Delete a webhook and its deliveries (pending ones are not sent): If-Match carries its ETag. */
  @Delete(':webhookId')
  @HttpCode(204)
  @Authenticated(WEBHOOKS)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.webhooks.remove(orgId, id, expected);
  }

  /** A new signing secret, shown this once; the old one stops signing at once. */
  @Post(':webhookId/rotate-secret')
  @HttpCode(200)
  @SendsETag()
  @Authenticated(WEBHOOKS)
  @ApiOkResponse({ type: WebhookWithSecretResponseDto, headers: ETAG_HEADER })
  rotateWebhookSecret(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) id: string,
  ): Promise<WebhookWithSecretResponseDto> {
    return this.webhooks.rotateSecret(orgId, id);
  }

  /** Send a `webhook.ping` event to this webhook; the answer is the queued delivery. */
  @Post(':webhookId/ping')
  @HttpCode(202)
  @Authenticated(WEBHOOKS)
  @ApiAcceptedResponse({ type: WebhookDeliveryResponseDto })
  @ApiConflictResponse({ description: `WEBHOOK_INACTIVE: ${INACTIVE}` })
  pingWebhook(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) id: string,
  ): Promise<WebhookDeliveryResponseDto> {
    return this.webhooks.ping(orgId, id);
  }

  /** Deliveries of a webhook, newest first, with their outcome (not their payload). */
  @Get(':webhookId/deliveries')
  @Authenticated(WEBHOOKS)
  @ApiOkResponse({ type: PageOf(WebhookDeliveryResponseDto) })
  listWebhookDeliveries(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) id: string,
    @Query() query: ListWebhookDeliveriesQueryDto,
  ) {
    return this.webhooks.listDeliveries(orgId, id, query);
  }

  /** One delivery with the payload it sends. */
  @Get(':webhookId/deliveries/:deliveryId')
  @Authenticated(WEBHOOKS)
  @ApiOkResponse({ type: WebhookDeliveryDetailResponseDto })
  getWebhookDelivery(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) webhookId: string,
    @Param('deliveryId', UuidParamPipe) deliveryId: string,
  ): Promise<WebhookDeliveryDetailResponseDto> {
    return this.webhooks.getDelivery(orgId, webhookId, deliveryId);
  }

  /** Send a delivery's payload again, as a new delivery (the payload's `id` stays the same). */
  @Post(':webhookId/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @Authenticated(WEBHOOKS)
  @ApiAcceptedResponse({ type: WebhookDeliveryResponseDto })
  @ApiConflictResponse({ description: `WEBHOOK_INACTIVE: ${INACTIVE}` })
  redeliverWebhookDelivery(
    @OrgId() orgId: string,
    @Param('webhookId', UuidParamPipe) webhookId: string,
    @Param('deliveryId', UuidParamPipe) deliveryId: string,
  ): Promise<WebhookDeliveryResponseDto> {
    return this.webhooks.redeliver(orgId, webhookId, deliveryId);
  }
}

@ApiTag('webhooks')
@Controller('v1/webhook-events')
export class WebhookEventsController {
  /** The events webhooks may subscribe to (besides `<resource>.*` and `*`); any signed-in user. */
  @Get()
  @Authenticated()
  @ApiOkResponse({ type: WebhookEventsResponseDto })
  list(): WebhookEventsResponseDto {
    return { events: [...WEBHOOK_EVENTS] };
  }
}
