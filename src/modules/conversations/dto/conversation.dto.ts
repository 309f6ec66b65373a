import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { unlessAbsent } from '../../../common/dto/library-fields.dto';
import { PatchOf } from '../../../common/dto/patch-of';
import { AiProvider } from '../../../generated/prisma/enums';
import { LABEL } from '../../prompts/dto/prompt.dto';
import type { ConversationRow } from '../conversations.repository';

export const DEFAULT_TITLE = 'New Conversation';
/** An optional id that null clears. */
const OptionalId = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      format: 'uuid',
      nullable: true,
      example: '0190f3a2-5b7c-7d4e-8f60-1a2b3c4d5e6f',
    }),
    IsOptional(),
    IsUUID(),
  );
const MODEL = { maxLength: 200, example: 'gpt-4o-mini' };

/** The settings a conversation can be created or changed with. */
export class ConversationSettingsDto {
  /** Defaults to "New Conversation", then set from the first message while left at that. */
  @ApiPropertyOptional({ example: 'Refund policy questions', maxLength: 200 })
  @ValidateIf(unlessAbsent)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;

  /** The model replies come from (else the template's, else the provider key's default model). */
  @ApiPropertyOptional({ type: String, nullable: true, ...MODEL })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MODEL.maxLength)
  model?: string | null;

  /** An ORG key of the org or a PERSONAL key of the caller; null: the org's default key. */
  @OptionalId()
  providerKeyId?: string | null;

  /** The system message of every call; not together with promptId. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 20000, example: 'You answer in two sentences.' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  systemPrompt?: string | null;

  /** A workbench prompt as the system message, rendered with the org's variables at each message. */
  @OptionalId()
  promptId?: string | null;

  /** The prompt's label to render (e.g. `production`); null: its latest version. Only with promptId. */
  @ApiPropertyOptional({ type: String, nullable: true, example: 'production', pattern: LABEL.source, maxLength: 50 })
  @IsOptional()
  @IsString()
  @Matches(LABEL, { message: 'promptLabel must be lower-case letters, digits, _ or -' })
  promptLabel?: string | null;
}

export class CreateConversationDto extends ConversationSettingsDto {
  /**
   * Start from a conversation template: its system prompt (or prompt and label) and model are
   * copied where the body gives none, and its first message becomes the conversation's first
   * message, an ASSISTANT greeting (no model call).
   */
  @ApiPropertyOptional({ format: 'uuid', example: '0190f3a2-5b7c-7d4e-8f60-1a2b3c4d5e6f' })
  @IsOptional()
  @IsUUID()
  templateId?: string;
}

/** Only the fields to change; null clears model, providerKeyId, systemPrompt, promptId, promptLabel. */
export class UpdateConversationDto extends PatchOf(ConversationSettingsDto) {}

export class ForkConversationDto {
  /** The last message to copy: the new conversation holds the branch from the root to it. */
  @ApiProperty({ format: 'uuid', example: '0190f3a2-5b7c-7d4e-8f60-1a2b3c4d5e6f' })
  @IsUUID()
  messageId!: string;
}

export class ConversationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orgId!: string;
  /** The creator: the only member who sees it. */
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, enum: Object.values(AiProvider), nullable: true }) provider!: AiProvider | null;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) providerKeyId!: string | null;
  @ApiProperty({ type: String, nullable: true }) systemPrompt!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) promptId!: string | null;
  @ApiProperty({ type: String, nullable: true }) promptLabel!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) templateId!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export function toConversationResponse(row: ConversationRow): ConversationResponseDto {
  const { id, orgId, userId, title, provider, model, providerKeyId, systemPrompt, promptId, promptLabel } = row;
  const { templateId, createdAt, updatedAt } = row;
  return {
    id,
    orgId,
    userId,
    title,
    provider,
    model,
    providerKeyId,
    systemPrompt,
    promptId,
    promptLabel,
    templateId,
    createdAt,
    updatedAt,
  };
}
