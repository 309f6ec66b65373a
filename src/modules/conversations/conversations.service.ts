import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { paginate, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { PromptsService } from '../prompts/prompts.service';
import { OrphanedFilesSweep } from '../attachments/orphaned-files.sweep';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import {
  toConversationResponse,
  type ConversationResponseDto,
  type ConversationSettingsDto,
  type CreateConversationDto,
  type UpdateConversationDto,
} from './dto/conversation.dto';
import {
  CONVERSATION_ORDER,
  ConversationsRepository,
  type ConversationData,
  type ConversationRow,
  type Reader,
} from './conversations.repository';

/**
 * Conversations (seed 002): private to their creator inside the org (RLS says so too). A
 * service API key holds no conversation: it reads those shared with the org, writes none.
 */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly context: RequestContext,
    private readonly providerKeys: ProviderKeysService,
    private readonly prompts: PromptsService,
    private readonly orphanedFiles: OrphanedFilesSweep,
  ) {}

  async create(orgId: string, dto: CreateConversationDto): Promise<ConversationResponseDto> {
    const { userId } = this.context.requireUser();
    const template = dto.templateId
      ? orNotFound(await this.repository.findTemplate(orgId, dto.templateId), 'Conversation template')
      : null;
    // The body's system prompt (or prompt) wins over the template's; the two are one setting.
    const ownSystem = dto.systemPrompt != null || dto.promptId != null || dto.promptLabel != null;
    const data: ConversationData = {
      title: dto.title,
      model: dto.model ?? template?.model ?? null,
      providerKeyId: dto.providerKeyId ?? null,
      systemPrompt: ownSystem ? (dto.systemPrompt ?? null) : (template?.systemPrompt ?? null),
      promptId: ownSystem ? (dto.promptId ?? null) : (template?.promptId ?? null),
      promptLabel: ownSystem ? (dto.promptLabel ?? null) : (template?.promptLabel ?? null),
      templateId: template?.id ?? null,
    };
    data.provider =
      (await this.checkSettings(orgId, data, { providerKeyId: data.providerKeyId, promptId: data.promptId })) ?? null;
    const row = await this.repository.create(orgId, userId, data);
    if (template?.firstMessage)
      await this.repository.createMessage(orgId, row.id, {
        parentId: null,
        role: 'ASSISTANT',
        content: template.firstMessage,
        userId: null,
      });
    return toConversationResponse(row);
  }

  list(orgId: string, query: PageQueryDto): Promise<Page<ConversationResponseDto>> {
    const reader = this.reader();
    return paginate(
      query,
      CONVERSATION_ORDER,
      (page) => this.repository.list(orgId, reader, page),
      toConversationResponse,
    );
  }

  async get(orgId: string, id: string): Promise<ConversationResponseDto> {
    return toConversationResponse(await this.find(orgId, id));
  }

  /** The conversation as the caller may read it, or 404 (another member's is not found either). */
  async find(orgId: string, id: string): Promise<ConversationRow> {
    return orNotFound(await this.repository.find(orgId, this.reader(), id), 'Conversation');
  }

  /** The caller's own conversation, to write to: 404 otherwise; 403 for an API key. */
  async own(orgId: string, id: string): Promise<{ userId: string; conversation: ConversationRow }> {
    const { userId } = this.context.requireUser();
    const conversation = orNotFound(await this.repository.find(orgId, { userId }, id), 'Conversation');
    return { userId, conversation };
  }

  async update(orgId: string, id: string, dto: UpdateConversationDto): Promise<ConversationResponseDto> {
    const { userId, conversation } = await this.own(orgId, id);
    const data: ConversationData = { ...dto, title: dto.title };
    // A system prompt replaces the prompt and the other way round: one setting, two forms.
    if (dto.systemPrompt != null && dto.promptId === undefined)
      Object.assign(data, { promptId: null, promptLabel: null });
    if (dto.promptId != null && dto.systemPrompt === undefined) data.systemPrompt = null;
    if (dto.promptId === null) data.promptLabel = null;
    const merged = { ...conversation, ...data };
    const provider = await this.checkSettings(orgId, merged, {
      providerKeyId: dto.providerKeyId,
      promptId: dto.promptId !== undefined || dto.promptLabel !== undefined ? merged.promptId : undefined,
    });
    if (dto.providerKeyId !== undefined) data.provider = provider ?? null;
    return toConversationResponse(orNotFound(await this.repository.update(orgId, userId, id, data), 'Conversation'));
  }

  async remove(orgId: string, id: string): Promise<void> {
    const { userId } = this.context.requireUser();
    orNotFound(await this.repository.delete(orgId, userId, id), 'Conversation');
    // Its attachments' files go now (sent after commit), not at the next periodic sweep.
    await this.orphanedFiles.queue();
  }

  /** A new conversation of the caller with the same settings and the branch from the root to `messageId`. */
  async fork(orgId: string, id: string, messageId: string): Promise<ConversationResponseDto> {
    const { userId, conversation } = await this.own(orgId, id);
    const path = await this.repository.pathTo(orgId, id, messageId);
    if (path.length === 0) throw AppException.notFound('Message');
    const { title, provider, model, providerKeyId, systemPrompt, promptId, promptLabel, templateId } = conversation;
    const data = { title, provider, model, providerKeyId, systemPrompt, promptId, promptLabel, templateId };
    const copy = await this.repository.create(orgId, userId, data);
    await this.repository.copyPath(orgId, copy, path, id);
    return toConversationResponse(copy);
  }

  /**
   * The row rules (one system prompt form, a label only with a prompt), then what was named:
   * the key must be usable by the caller (a PERSONAL key of someone else is not found: the
   * foreign key alone would take it), the prompt must render. Returns the named key's provider.
   */
  private async checkSettings(
    orgId: string,
    data: ConversationData,
    named: Pick<ConversationSettingsDto, 'providerKeyId' | 'promptId'>,
  ): Promise<ConversationData['provider']> {
    if (data.systemPrompt != null && data.promptId != null)
      throw invalid('promptId', 'Give systemPrompt or promptId, not both');
    if (data.promptLabel != null && data.promptId == null) throw invalid('promptLabel', 'promptLabel needs a promptId');
    if (named.promptId) await this.prompts.render(orgId, named.promptId, { label: data.promptLabel ?? undefined });
    if (named.providerKeyId) return (await this.providerKeys.resolveForUse(orgId, named.providerKeyId)).provider;
    return undefined;
  }

  private reader(): Reader {
    const userId = this.context.userId;
    return userId ? { userId } : { sharedWithOrg: true };
  }
}

function invalid(field: string, detail: string): AppException {
  return new AppException('VALIDATION_FAILED', detail, [{ field, messages: [detail] }]);
}
