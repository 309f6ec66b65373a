import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { DbContext } from '../../database/db-context';
import { MessageAttachments } from '../attachments/message-attachments';
import { ModelCallError, ModelGateway, type ChatTurn, type ModelCall, type ModelReply } from '../llm/model-gateway';
import { PromptsService } from '../prompts/prompts.service';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import { ChatRateLimit } from './chat-rate-limit';
import { ConversationsService } from './conversations.service';
import {
  MESSAGE_ORDER,
  ConversationsRepository,
  type ConversationRow,
  type MessageRow,
} from './conversations.repository';
import { DEFAULT_TITLE } from './dto/conversation.dto';
import {
  toMessageResponse,
  type ExchangeResponseDto,
  type ListMessagesQueryDto,
  type MessageResponseDto,
  type PostMessageDto,
  type ReplyOptionsDto,
} from './dto/message.dto';

/** A reply about to be asked for: everything the model call and the storing of its answer need. */
export interface PendingReply {
  orgId: string;
  userId: string;
  conversation: ConversationRow;
  /** The user message the reply answers (its parent). */
  answers: MessageRow;
  /** The stored user message, for a post (a regenerate stores none). */
  userMessage: MessageResponseDto | null;
  call: Omit<ModelCall, 'signal'>;
}

/** What a streamed reply sends: the stored user message, text deltas, the stored reply, or an error. */
export type ReplyEvent =
  | { event: 'message'; data: MessageResponseDto }
  | { event: 'delta'; data: { text: string } }
  | { event: 'done'; data: MessageResponseDto }
  | { event: 'error'; data: { code: string; detail: string; assistantMessage: MessageResponseDto | null } };

const TITLE_LENGTH = 60;

/**
 * Messages of a conversation: a tree (each message's parent is the one it follows; siblings are
 * branches). Posting stores the user message, asks the model with the branch from the root and
 * the conversation's system prompt, and stores the reply. The model call holds no transaction:
 * one short scope stores the user message (and checks everything), another the reply.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly repository: ConversationsRepository,
    private readonly conversations: ConversationsService,
    private readonly db: DbContext,
    private readonly gateway: ModelGateway,
    private readonly providerKeys: ProviderKeysService,
    private readonly prompts: PromptsService,
    private readonly attachments: MessageAttachments,
    private readonly rateLimit: ChatRateLimit,
    private readonly context: RequestContext,
  ) {}

  /** A page of every message (oldest first), or of the branch from the root to `leafId`. */
  async list(orgId: string, conversationId: string, query: ListMessagesQueryDto): Promise<Page<MessageResponseDto>> {
    // The cursor is checked first (a forged one is 400 wherever it is sent), then the conversation.
    const page = await paginate(
      query,
      MESSAGE_ORDER,
      async (keys) => {
        await this.conversations.find(orgId, conversationId);
        let only: string[] | undefined;
        if (query.leafId) {
          const path = await this.repository.pathTo(orgId, conversationId, query.leafId);
          if (path.length === 0) throw AppException.notFound('Message');
          only = path.map((message) => message.id);
        }
        return this.repository.listMessages(orgId, conversationId, { ...keys, only });
      },
      (row) => row,
    );
    return { data: await this.withSiblings(orgId, conversationId, page.data), nextCursor: page.nextCursor };
  }

  /**
   * Stores the user message under `parentId` (default: the conversation's most recent message)
   * with its attachments, and prepares the reply. Everything is checked here, in one short
   * transaction: a 4xx leaves nothing stored.
   */
  begin(orgId: string, conversationId: string, dto: PostMessageDto): Promise<PendingReply> {
    return this.scope(orgId, conversationId, async (userId, conversation) => {
      const parent = dto.parentId
        ? orNotFound(await this.repository.findMessage(orgId, conversationId, dto.parentId), 'Parent message')
        : await this.repository.newestMessage(orgId, conversationId);
      const message = await this.repository.createMessage(orgId, conversationId, {
        parentId: parent?.id ?? null,
        role: 'USER',
        content: dto.content,
        userId,
      });
      if (dto.attachmentIds?.length)
        await this.attachments.attach(orgId, conversationId, message.id, dto.attachmentIds);
      const [userMessage] = await this.withSiblings(orgId, conversationId, [message]);
      return { ...(await this.prepare(orgId, userId, conversation, message, dto)), userMessage: userMessage! };
    });
  }

  /**
   * Prepares a new reply beside an assistant message (same parent), or a reply to a user message
   * (e.g. one whose reply failed). A message that answers nothing (a template's greeting) is a 400.
   */
  beginRegenerate(
    orgId: string,
    conversationId: string,
    messageId: string,
    options: ReplyOptionsDto,
  ): Promise<PendingReply> {
    return this.scope(orgId, conversationId, async (userId, conversation) => {
      const target = orNotFound(await this.repository.findMessage(orgId, conversationId, messageId), 'Message');
      const answers =
        target.role === 'USER'
          ? target
          : target.parentId
            ? await this.repository.findMessage(orgId, conversationId, target.parentId)
            : null;
      if (answers?.role !== 'USER')
        throw new AppException('VALIDATION_FAILED', 'This message answers no user message: nothing to regenerate', [
          { field: 'messageId', messages: ['must be a model reply or a user message'] },
        ]);
      return { ...(await this.prepare(orgId, userId, conversation, answers, options)), userMessage: null };
    });
  }

  /** The whole reply at once; the model's failure is a 502 (the user message stays stored). */
  async complete(pending: PendingReply): Promise<MessageResponseDto> {
    let reply: ModelReply;
    try {
      reply = await this.gateway.complete(pending.call);
    } catch (error) {
      throw modelFailed(error, pending.answers.id);
    }
    return this.store(pending, reply, false);
  }

  async exchange(pending: PendingReply): Promise<ExchangeResponseDto> {
    const assistantMessage = await this.complete(pending);
    return { userMessage: pending.userMessage!, assistantMessage };
  }

  /**
   * The reply streamed: `message` (the stored user message, for a post), `delta`s, then `done`
   * with the stored reply, or `error`. When the client goes away (`gone`) the model call is
   * aborted and what arrived is stored with `incomplete: true`; so it is when the provider fails
   * part-way. Never throws: the events say everything.
   */
  async stream(pending: PendingReply, send: (event: ReplyEvent) => void, gone: AbortSignal): Promise<void> {
    if (pending.userMessage) send({ event: 'message', data: pending.userMessage });
    let text = '';
    const started = performance.now();
    let reply: ModelReply;
    try {
      reply = await this.gateway.stream({ ...pending.call, signal: gone }, (delta) => {
        text += delta;
        send({ event: 'delta', data: { text: delta } });
      });
    } catch (error) {
      const failure = modelFailed(error, pending.answers.id);
      let partial: MessageResponseDto | null = null;
      if (text) {
        const latencyMs = Math.round(performance.now() - started);
        const cut = { text, model: pending.call.model, inputTokens: 0, outputTokens: 0, costUsd: null, latencyMs };
        partial = await this.store(pending, cut, true).catch(() => null);
      }
      if (!gone.aborted) send({ event: 'error', data: { ...problemOf(failure), assistantMessage: partial } });
      return;
    }
    try {
      send({ event: 'done', data: await this.store(pending, reply, false) });
    } catch (error) {
      send({ event: 'error', data: { ...problemOf(error), assistantMessage: null } });
    }
  }

  /** One short transaction as the caller, on their own conversation, after the rate limit. */
  private scope<T>(
    orgId: string,
    conversationId: string,
    work: (userId: string, conversation: ConversationRow) => Promise<T>,
  ): Promise<T> {
    const { userId } = this.context.requireUser();
    return this.db.run({ orgId, userId }, async () => {
      const { conversation } = await this.conversations.own(orgId, conversationId);
      await this.rateLimit.take(orgId, userId);
      return work(userId, conversation);
    });
  }

  /**
   * The model call answering `answers`: the branch from the root to it (with attachments), the
   * conversation's key (else the org's default key), model (the body's for this reply, else the
   * conversation's, else the key's default) and system prompt (the prompt rendered now).
   */
  private async prepare(
    orgId: string,
    userId: string,
    conversation: ConversationRow,
    answers: MessageRow,
    options: ReplyOptionsDto,
  ): Promise<Omit<PendingReply, 'userMessage'>> {
    const keyId = conversation.providerKeyId ?? (await this.repository.defaultKeyId(orgId, userId));
    if (!keyId)
      throw new AppException(
        'PROVIDER_KEY_UNUSABLE',
        'The conversation has no provider key and the organization no default key: set providerKeyId',
      );
    const key = await this.providerKeys.resolveForUse(orgId, keyId);
    const model = options.model ?? conversation.model ?? key.defaultModel;
    if (!model)
      throw new AppException('VALIDATION_FAILED', 'Name a model: neither the conversation nor its key has one', [
        { field: 'model', messages: ['model is required for this conversation'] },
      ]);
    const path = await this.repository.pathTo(orgId, conversation.id, answers.id);
    const files = await this.attachments.forModel(
      orgId,
      conversation.id,
      path.filter((message) => message.role === 'USER').map((message) => message.id),
    );
    const messages: ChatTurn[] = path
      .filter((message) => message.role !== 'SYSTEM')
      .map((message) => ({
        role: message.role === 'USER' ? 'user' : 'assistant',
        content: message.content,
        ...(files.has(message.id) ? { attachments: files.get(message.id) } : {}),
      }));
    const system = (await this.systemPrompt(orgId, conversation)) ?? undefined;
    return { orgId, userId, conversation, answers, call: { key, model, system, messages } };
  }

  /** The conversation's system prompt; a workbench prompt is rendered at its label (else latest). */
  private async systemPrompt(orgId: string, conversation: ConversationRow): Promise<string | null> {
    if (!conversation.promptId) return conversation.systemPrompt;
    const rendered = await this.prompts.render(orgId, conversation.promptId, {
      label: conversation.promptLabel ?? undefined,
    });
    // A CHAT prompt's system messages are the system prompt (as runs use it).
    return rendered.messages
      ? rendered.messages
          .filter((message) => message.role === 'system')
          .map((message) => message.content)
          .join('\n\n')
      : rendered.text;
  }

  /** Stores the reply (and the title from the first exchange while it is the default), in a short scope. */
  private store(pending: PendingReply, reply: ModelReply, incomplete: boolean): Promise<MessageResponseDto> {
    const { orgId, userId, conversation, answers } = pending;
    return this.db.run({ orgId, userId }, async () => {
      const message = await this.repository.createMessage(orgId, conversation.id, {
        parentId: answers.id,
        role: 'ASSISTANT',
        content: reply.text,
        userId: null,
        incomplete,
        provider: pending.call.key.provider,
        model: reply.model,
        inputTokens: incomplete ? null : reply.inputTokens,
        outputTokens: incomplete ? null : reply.outputTokens,
        costUsd: reply.costUsd,
        latencyMs: reply.latencyMs,
      });
      if (conversation.title === DEFAULT_TITLE) {
        const firstUser = pending.call.messages.find((turn) => turn.role === 'user');
        if (firstUser)
          await this.repository.retitle(orgId, userId, conversation.id, DEFAULT_TITLE, titleOf(firstUser.content));
      }
      const [response] = await this.withSiblings(orgId, conversation.id, [message]);
      return response!;
    });
  }

  /** The responses, each with its siblings' ids (the branches at its place). */
  private async withSiblings(orgId: string, conversationId: string, rows: MessageRow[]): Promise<MessageResponseDto[]> {
    const children = await this.repository.children(orgId, conversationId, [
      ...new Set(rows.map((row) => row.parentId)),
    ]);
    return rows.map((row) => toMessageResponse(row, children.get(row.parentId) ?? [row.id]));
  }
}

/** A title from the first user message: one line, at most TITLE_LENGTH characters, cut at a word. */
export function titleOf(content: string): string {
  const line = content.replace(/\s+/g, ' ').trim();
  if (line.length <= TITLE_LENGTH) return line || DEFAULT_TITLE;
  const cut = line.slice(0, TITLE_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > TITLE_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** What an error event says: the code and detail of an AppException, nothing internal otherwise. */
function problemOf(error: unknown): { code: string; detail: string } {
  return error instanceof AppException
    ? { code: error.code, detail: error.detail }
    : { code: 'INTERNAL', detail: 'The reply could not be completed' };
}

/** A failed model call as the client sees it: 502, saying the user message is kept and how to retry. */
function modelFailed(error: unknown, userMessageId: string): unknown {
  if (!(error instanceof ModelCallError)) return error;
  return new AppException(
    'MODEL_CALL_FAILED',
    `${error.message}. The user message ${userMessageId} is kept: regenerate it to try again`,
  );
}
