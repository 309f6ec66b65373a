import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
} from 'class-validator';
import { PatchOf } from '../../../common/dto/patch-of';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { WebhookDeliveryStatus } from '../../../generated/prisma/enums';
import { WEBHOOK_EVENTS } from '../webhook-events';
import type { WebhookDeliveryRow, WebhookDeliverySummary, WebhookRow } from '../webhooks.repository';

const escape = (text: string) => text.replace(/[.*]/g, (c) => `\\${c}`);
const resources = [...new Set(WEBHOOK_EVENTS.map((event) => event.split('.')[0]!))];
/** A known event, `<resource>.*` or `*`. */
const EVENT_PATTERN = new RegExp(`^(\\*|${WEBHOOK_EVENTS.map(escape).join('|')}|(${resources.join('|')})\\.\\*)$`);

export class CreateWebhookDto {
  /** Where deliveries are POSTed: http(s), and it must pass the outbound (SSRF) policy. Unique in the organization. */
  @ApiProperty({ example: 'https://hooks.example.com/orgbase', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'url must be an http(s) URL' },
  )
  url!: string;

  /**
   * Events to receive: audit actions (`GET /v1/webhook-events` lists them), `<resource>.*` for
   * every action of a resource, or `*` for all.
   */
  @ApiProperty({
    type: [String],
    example: ['variable.created', 'prompt.*', 'run.finished'],
    minItems: 1,
    maxItems: 100,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @Matches(EVENT_PATTERN, {
    each: true,
    message: 'each event must be a known event (GET /v1/webhook-events), <resource>.* or *',
  })
  events!: string[];

  @ApiPropertyOptional({ example: 'Notifies the deploy bot', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** Inactive webhooks receive nothing; their pending deliveries fail. Default true. */
  @ApiPropertyOptional({ example: true, default: true })
  @IsBoolean()
  @IsOptional()
  isActive?: boolean;
}

/** Only the fields to change; null clears the description and is a 400 for the others. */
export class UpdateWebhookDto extends PatchOf(CreateWebhookDto) {}

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WebhookDeliveryStatus, enumName: 'WebhookDeliveryStatus' })
  @IsOptional()
  @IsIn(Object.values(WebhookDeliveryStatus))
  status?: WebhookDeliveryStatus;
}

export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  @ApiProperty({ example: 'https://hooks.example.com/orgbase' }) url!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: [String], example: ['variable.created', 'prompt.*'] }) events!: string[];
  @ApiProperty() isActive!: boolean;
  /** Starts at 1, bumped by every change; the ETag header quotes it, If-Match sends it back. */
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdByUserId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

/** The answer to create and rotate-secret: the only ones that carry the secret. */
export class WebhookWithSecretResponseDto extends WebhookResponseDto {
  /** The signing secret, shown this once: keep it to verify `Orgbase-Signature`. */
  @ApiProperty({ example: 'whsec_3q2-7wX0o1bU5yC4kQm9ZtVn8RrJpLdHsAeFgTiYcWk' }) secret!: string;
}

export class WebhookEventsResponseDto {
  @ApiProperty({ enum: WEBHOOK_EVENTS, enumName: 'WebhookEvent', isArray: true }) events!: string[];
}

export class WebhookDeliveryResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) webhookId!: string;
  @ApiProperty({ example: 'variable.created' }) event!: string;
  @ApiProperty({ enum: WebhookDeliveryStatus, enumName: 'WebhookDeliveryStatus' }) status!: WebhookDeliveryStatus;
  /** Attempts made so far. */
  @ApiProperty({ example: 1 }) attempts!: number;
  /** The HTTP status of the last attempt's answer; null when none came (timeout, network error). */
  @ApiProperty({ type: Number, nullable: true, example: 200 }) responseStatus!: number | null;
  /** The first 2 KB of the last answer. */
  @ApiProperty({ type: String, nullable: true }) responseBody!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 42 }) durationMs!: number | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: Date, nullable: true }) lastAttemptAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) deliveredAt!: Date | null;
}

export class WebhookDeliveryDetailResponseDto extends WebhookDeliveryResponseDto {
  /** The JSON body sent, exactly as signed. */
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      id: '01936f3e-5b7a-7c4e-9a4f-2d1e0b6c8a11',
      type: 'variable.created',
      createdAt: '2026-11-30T11:00:00.000Z',
      orgId: '01936f3e-0000-7000-8000-000000000001',
      data: { resourceType: 'variable', resourceId: '…', actor: { type: 'USER', id: '…' }, after: {} },
    },
  })
  payload!: object;
}

export function toWebhookResponse(row: WebhookRow): WebhookResponseDto {
  const { id, orgId, url, description, events, isActive, version, createdByUserId, createdAt, updatedAt } = row;
  return { id, orgId, url, description, events, isActive, version, createdByUserId, createdAt, updatedAt };
}

export function toDeliveryResponse(row: WebhookDeliverySummary): WebhookDeliveryResponseDto {
  const { id, webhookId, event, status, attempts, responseStatus, responseBody, error, durationMs } = row;
  const { createdAt, lastAttemptAt, deliveredAt } = row;
  return {
    id,
    webhookId,
    event,
    status,
    attempts,
    responseStatus,
    responseBody,
    error,
    durationMs,
    createdAt,
    lastAttemptAt,
    deliveredAt,
  };
}

export function toDeliveryDetailResponse(row: WebhookDeliveryRow): WebhookDeliveryDetailResponseDto {
  return { ...toDeliveryResponse(row), payload: row.payload as object };
}
