import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/pagination';
import { AiProvider, MessageRole } from '../../../generated/prisma/enums';
import type { MessageRow } from '../conversations.repository';

export class ListMessagesQueryDto extends PageQueryDto {
  /** Only the branch from the root to this message (root first); without it, every message of every branch. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  leafId?: string;
}

/** Which reply: a model other than the conversation's, for this reply only. */
export class ReplyOptionsDto {
  @ApiPropertyOptional({ example: 'gpt-4o', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string;
}

export class PostMessageDto extends ReplyOptionsDto {
  @ApiProperty({ example: 'What is our refund policy?', maxLength: 100_000 })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  content!: string;

  /**
   * The message this one follows. Default: the conversation's most recent message (whatever its
   * branch). An earlier message makes a new branch: that is how a message is edited.
   */
  @ApiPropertyOptional({ format: 'uuid', example: '0190f3a2-5b7c-7d4e-8f60-1a2b3c4d5e6f' })
  @IsOptional()
  @IsUUID()
  parentId?: string;

  /** Uploaded, not yet sent attachments of this conversation, given to the model with the message. */
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: 10,
    example: ['0190f3a2-5b7c-7d4e-8f60-1a2b3c4d5e6f'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsUUID('all', { each: true })
  attachmentIds?: string[];
}

export class MessageResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) conversationId!: string;
  /** The message it follows; null for the first message of a branch from the start. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) parentId!: string | null;
  @ApiProperty({ enum: MessageRole, enumName: 'MessageRole' }) role!: MessageRole;
  @ApiProperty() content!: string;
  /** The sender, for USER messages. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) userId!: string | null;
  /** A streamed reply cut short (the client went away, or the provider failed): what arrived. */
  @ApiProperty() incomplete!: boolean;
  @ApiProperty({ type: String, enum: Object.values(AiProvider), nullable: true }) provider!: AiProvider | null;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty({ type: Number, nullable: true }) inputTokens!: number | null;
  @ApiProperty({ type: Number, nullable: true }) outputTokens!: number | null;
  /** From the price table when the model is known. */
  @ApiProperty({ type: Number, nullable: true, example: 0.00042 }) costUsd!: number | null;
  @ApiProperty({ type: Number, nullable: true }) latencyMs!: number | null;
  /** This message and its siblings (same parent), oldest first: the branches a client can switch between. */
  @ApiProperty({ type: [String], format: 'uuid' }) siblingIds!: string[];
  @ApiProperty({ example: 1 }) siblingCount!: number;
  @ApiProperty() createdAt!: Date;
}

export class ExchangeResponseDto {
  @ApiProperty({ type: MessageResponseDto }) userMessage!: MessageResponseDto;
  @ApiProperty({ type: MessageResponseDto }) assistantMessage!: MessageResponseDto;
}

export function toMessageResponse(row: MessageRow, siblingIds: string[]): MessageResponseDto {
  const { id, conversationId, parentId, role, content, userId, incomplete, provider, model } = row;
  const { inputTokens, outputTokens, costUsd, latencyMs, createdAt } = row;
  return {
    id,
    conversationId,
    parentId,
    role,
    content,
    userId,
    incomplete,
    provider,
    model,
    inputTokens,
    outputTokens,
    costUsd,
    latencyMs,
    siblingIds,
    siblingCount: siblingIds.length,
    createdAt,
  };
}
