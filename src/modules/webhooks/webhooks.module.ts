import { Module } from '@nestjs/common';
import { WebhookDeliveryRunner } from './webhook-delivery.runner';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEventsController, WebhooksController } from './webhooks.controller';
import { WebhooksFeature } from './webhooks.feature';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

@Module({
  controllers: [WebhooksController, WebhookEventsController],
  providers: [WebhooksService, WebhooksRepository, WebhooksFeature, WebhookDispatcher, WebhookDeliveryRunner],
})
export class WebhooksModule {}
