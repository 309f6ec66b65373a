import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import type { ShareLinkRow, SharedCanvasRow, SharedConversationRow } from '../share-links.repository';

export class CreateShareLinkDto {
  /** When the link stops working; must be in the future. Omit for a link that works until revoked. */
  @ApiPropertyOptional({ example: '2027-12-31T23:59:59Z', type: String, format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ShareLinkResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['conversation', 'canvas'] }) type!: 'conversation' | 'canvas';
  /** The conversation or canvas shared. */
  @ApiProperty({ format: 'uuid' }) targetId!: string;
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) revokedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
}

/** The new link: its token is shown this once (only its SHA-256 is stored). */
export class CreatedShareLinkResponseDto extends ShareLinkResponseDto {
  /** Whoever holds it reads the target (GET /v1/shared/{token}) until it expires or is revoked. */
  @ApiProperty({ example: 'q5Hn0u3lYV2m0rDk3tV1q3W3aQm6l0Pj3ySgqk9QqZs' }) token!: string;
  /** The frontend's page for it (APP_URL/shared/{token}), which reads GET /v1/shared/{token}. */
  @ApiProperty({ example: 'http://localhost:3000/shared/q5Hn0u3lYV2m0rDk3tV1q3W3aQm6l0Pj3ySgqk9QqZs' }) url!: string;
}

export class SharedMessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  /** The message this one follows (null: the first of a branch); siblings are branches. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) parentId!: string | null;
  @ApiProperty({ enum: ['USER', 'ASSISTANT', 'SYSTEM'] }) role!: string;
  @ApiProperty() content!: string;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  /** A streamed reply cut short. */
  @ApiProperty() incomplete!: boolean;
  @ApiProperty() createdAt!: Date;
}

export class SharedConversationDto {
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class SharedConversationSnapshotDto {
  @ApiProperty({ enum: ['conversation'] }) type!: 'conversation';
  @ApiProperty({ type: SharedConversationDto }) conversation!: SharedConversationDto;
  /** Every branch, oldest first (at most 1000); follow parentId for one path. */
  @ApiProperty({ type: SharedMessageDto, isArray: true }) messages!: SharedMessageDto[];
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
}

export class SharedCanvasDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: unknown;
  /** The canvas model's name, and the published version the data follows. */
  @ApiProperty({ type: String, nullable: true }) modelName!: string | null;
  @ApiProperty({ type: Number, nullable: true }) modelVersion!: number | null;
  @ApiProperty() updatedAt!: Date;
}

export class SharedCanvasSnapshotDto {
  @ApiProperty({ enum: ['canvas'] }) type!: 'canvas';
  @ApiProperty({ type: SharedCanvasDto }) canvas!: SharedCanvasDto;
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
}

export type SharedSnapshotDto = SharedConversationSnapshotDto | SharedCanvasSnapshotDto;

/** The OpenAPI schema of the public route's answer: one of the two snapshots, by `type`. */
export const SHARED_SNAPSHOT_SCHEMA = {
  oneOf: [{ $ref: getSchemaPath(SharedConversationSnapshotDto) }, { $ref: getSchemaPath(SharedCanvasSnapshotDto) }],
  discriminator: { propertyName: 'type' },
};

export function toShareLinkResponse(row: ShareLinkRow): ShareLinkResponseDto {
  const { id, conversationId, canvasId, expiresAt, revokedAt, createdAt } = row;
  return {
    id,
    type: conversationId ? 'conversation' : 'canvas',
    targetId: (conversationId ?? canvasId)!,
    expiresAt,
    revokedAt,
    createdAt,
  };
}

export function toConversationSnapshot(
  row: SharedConversationRow,
  expiresAt: Date | null,
): SharedConversationSnapshotDto {
  const { title, model, createdAt, updatedAt, messages } = row;
  return { type: 'conversation', conversation: { title, model, createdAt, updatedAt }, messages, expiresAt };
}

export function toCanvasSnapshot(row: SharedCanvasRow, expiresAt: Date | null): SharedCanvasSnapshotDto {
  const { name, description, data, modelVersion, model, updatedAt } = row;
  return {
    type: 'canvas',
    canvas: { name, description, data, modelName: model?.name ?? null, modelVersion, updatedAt },
    expiresAt,
  };
}
