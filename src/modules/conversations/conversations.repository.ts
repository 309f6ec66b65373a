import { Injectable } from '@nestjs/common';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Conversation, Message } from '../../generated/prisma/client';
import type { AiProvider, MessageRole } from '../../generated/prisma/enums';
import { AuditService } from '../audit/audit.service';
import { AuditedWrites } from '../audit/audited-writes';

/** A conversation as stored; what the repository hands to the services. */
export type ConversationRow = Conversation;

/** A message as stored, its cost as a number (the column is a decimal). */
export type MessageRow = Omit<Message, 'costUsd'> & { costUsd: number | null };

/** The settings of a conversation template a conversation copies (helper B owns the template routes). */
export interface TemplateRow {
  id: string;
  systemPrompt: string | null;
  promptId: string | null;
  promptLabel: string | null;
  model: string | null;
  firstMessage: string | null;
}

export interface ConversationData {
  title?: string;
  provider?: AiProvider | null;
  model?: string | null;
  providerKeyId?: string | null;
  systemPrompt?: string | null;
  promptId?: string | null;
  promptLabel?: string | null;
  templateId?: string | null;
}

export interface MessageData {
  parentId: string | null;
  role: MessageRole;
  content: string;
  userId: string | null;
  incomplete?: boolean;
  provider?: AiProvider | null;
  model?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  costUsd?: number | null;
  latencyMs?: number | null;
}

/** Whose conversations a read sees: the signed-in user's own, or (an API key) those shared with the org. */
export type Reader = { userId: string } | { sharedWithOrg: true };

/** Conversations newest first; messages oldest first; ids break ties. */
/** Most recently active first: a new message moves its conversation's updatedAt (createMessage). */
export const CONVERSATION_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;
export const MESSAGE_ORDER = { createdAt: 'date', id: 'uuid' } as const satisfies CursorShape;

/** A message's entry in the audit log: its place and figures, never its text (chats are private). */
const messageView = (row: MessageRow) => {
  const { content, ...rest } = row;
  return { ...rest, contentLength: content.length };
};

/**
 * Conversations and their message trees. Every method takes orgId first and filters on it; RLS
 * (creator only, or shared) is the last word. Writes are audited in the same transaction.
 */
@Injectable()
export class ConversationsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
    private readonly audit: AuditService,
  ) {}

  create(orgId: string, userId: string, data: ConversationData): Promise<ConversationRow> {
    return this.audited.create('conversation', () =>
      this.db.client.conversation.create({ data: { ...data, orgId, userId } }),
    );
  }

  list(
    orgId: string,
    reader: Reader,
    options: { take: number; after?: Cursor<typeof CONVERSATION_ORDER> },
  ): Promise<ConversationRow[]> {
    const page = keyset(CONVERSATION_ORDER, 'desc', options.after);
    return this.db.client.conversation.findMany({
      where: { orgId, ...reader, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  find(orgId: string, reader: Reader, id: string): Promise<ConversationRow | null> {
    return this.db.client.conversation.findFirst({ where: { orgId, id, ...reader } });
  }

  update(orgId: string, userId: string, id: string, data: ConversationData): Promise<ConversationRow | null> {
    return this.audited.update(
      'conversation',
      () => this.lock(orgId, userId, id),
      () => this.db.client.conversation.update({ where: { id, orgId }, data }),
    );
  }

  delete(orgId: string, userId: string, id: string): Promise<ConversationRow | null> {
    return this.audited.delete(
      'conversation',
      () => this.lock(orgId, userId, id),
      () => this.db.client.conversation.delete({ where: { id, orgId } }),
    );
  }

  /** Sets the title from the first exchange, only while it is still the default (audited as an update). */
  async retitle(orgId: string, userId: string, id: string, from: string, to: string): Promise<void> {
    await this.audited.update(
      'conversation',
      async () => {
        const row = await this.lock(orgId, userId, id);
        return row?.title === from ? row : null;
      },
      () => this.db.client.conversation.update({ where: { id, orgId }, data: { title: to } }),
      { action: 'conversation.retitled' },
    );
  }

  findTemplate(orgId: string, id: string): Promise<TemplateRow | null> {
    return this.db.client.conversationTemplate.findFirst({
      where: { orgId, id },
      select: { id: true, systemPrompt: true, promptId: true, promptLabel: true, model: true, firstMessage: true },
    });
  }

  /** The org's default provider key the caller may use (their own PERSONAL default first), if any. */
  async defaultKeyId(orgId: string, userId: string): Promise<string | null> {
    const keys = await this.db.client.providerKey.findMany({
      where: { orgId, isDefault: true, isActive: true, OR: [{ scope: 'ORG' }, { ownerUserId: userId }] },
      select: { id: true, scope: true },
      orderBy: { createdAt: 'asc' },
    });
    return (keys.find((key) => key.scope === 'PERSONAL') ?? keys[0])?.id ?? null;
  }

  async createMessage(orgId: string, conversationId: string, data: MessageData): Promise<MessageRow> {
    const message = await this.audited.create(
      'message',
      async () => toRow(await this.db.client.message.create({ data: { ...data, orgId, conversationId } })),
      { view: messageView },
    );
    // Its last activity, for the list's order; not a change of the conversation, so not audited.
    await this.db.client.conversation.updateMany({
      where: { id: conversationId, orgId },
      data: { updatedAt: message.createdAt },
    });
    return message;
  }

  /**
   * Copies `path` (root first) into the conversation `into` as one new branch, keeping each
   * message's figures; one audit entry (`conversation.forked`) describes the whole copy.
   */
  async copyPath(orgId: string, into: ConversationRow, path: MessageRow[], from: string): Promise<void> {
    let parentId: string | null = null;
    // Creation times one millisecond apart keep the copy's order under (createdAt, id).
    const start = Date.now();
    for (const [index, message] of path.entries()) {
      const copy: Message = await this.db.client.message.create({
        data: {
          orgId,
          conversationId: into.id,
          parentId,
          role: message.role,
          content: message.content,
          userId: message.userId,
          incomplete: message.incomplete,
          provider: message.provider,
          model: message.model,
          inputTokens: message.inputTokens,
          outputTokens: message.outputTokens,
          costUsd: message.costUsd,
          latencyMs: message.latencyMs,
          createdAt: new Date(start + index),
        },
      });
      parentId = copy.id;
    }
    await this.audit.record({
      action: 'conversation.forked',
      resourceType: 'conversation',
      resourceId: into.id,
      after: { ...into, forkedFromConversationId: from, forkedFromMessageId: path.at(-1)?.id, messages: path.length },
    });
  }

  findMessage(orgId: string, conversationId: string, id: string): Promise<MessageRow | null> {
    return this.db.client.message.findFirst({ where: { orgId, conversationId, id } }).then(toRowOrNull);
  }

  /** The most recent message of the conversation: where a new message goes by default. */
  newestMessage(orgId: string, conversationId: string): Promise<MessageRow | null> {
    return this.db.client.message
      .findFirst({ where: { orgId, conversationId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })
      .then(toRowOrNull);
  }

  /** The branch from the root down to `id`, root first; empty when there is no such message. */
  async pathTo(orgId: string, conversationId: string, id: string): Promise<MessageRow[]> {
    const ids = await this.db.client.$queryRaw<{ id: string; depth: number }[]>`
      WITH RECURSIVE path AS (
        SELECT id, "parentId", 0 AS depth FROM messages
        WHERE "orgId" = ${orgId}::uuid AND "conversationId" = ${conversationId}::uuid AND id = ${id}::uuid
        UNION ALL
        SELECT m.id, m."parentId", p.depth + 1 FROM messages m
        JOIN path p ON m.id = p."parentId"
        WHERE m."orgId" = ${orgId}::uuid AND m."conversationId" = ${conversationId}::uuid
      )
      SELECT id::text AS id, depth FROM path`;
    const rows = await this.db.client.message.findMany({
      where: { orgId, conversationId, id: { in: ids.map((row) => row.id) } },
    });
    const depth = new Map(ids.map((row) => [row.id, Number(row.depth)]));
    return rows.map(toRow).sort((a, b) => depth.get(b.id)! - depth.get(a.id)!);
  }

  /** A page of the conversation's messages, oldest first; `only` limits it to those ids (one branch). */
  listMessages(
    orgId: string,
    conversationId: string,
    options: { take: number; after?: Cursor<typeof MESSAGE_ORDER>; only?: string[] },
  ): Promise<MessageRow[]> {
    const page = keyset(MESSAGE_ORDER, 'asc', options.after);
    return this.db.client.message
      .findMany({
        where: { orgId, conversationId, id: options.only ? { in: options.only } : undefined, AND: page.where },
        orderBy: page.orderBy,
        take: options.take,
      })
      .then((rows) => rows.map(toRow));
  }

  /** The ids of the children of each parent (null: the roots), oldest first: the branches to switch between. */
  async children(
    orgId: string,
    conversationId: string,
    parents: (string | null)[],
  ): Promise<Map<string | null, string[]>> {
    const ids = parents.filter((parent): parent is string => parent !== null);
    const rows = await this.db.client.message.findMany({
      where: {
        orgId,
        conversationId,
        OR: [{ parentId: { in: ids } }, ...(parents.includes(null) ? [{ parentId: null }] : [])],
      },
      select: { id: true, parentId: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const byParent = new Map<string | null, string[]>();
    for (const row of rows) byParent.set(row.parentId, [...(byParent.get(row.parentId) ?? []), row.id]);
    return byParent;
  }

  /** The caller's own conversation, locked until the transaction ends. */
  private async lock(orgId: string, userId: string, id: string): Promise<ConversationRow | null> {
    await this.db.client.$executeRaw`SELECT 1 FROM conversations
      WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid AND "userId" = ${userId}::uuid FOR UPDATE`;
    return this.find(orgId, { userId }, id);
  }
}

function toRow(message: Message): MessageRow {
  return { ...message, costUsd: message.costUsd === null ? null : Number(message.costUsd) };
}

function toRowOrNull(message: Message | null): MessageRow | null {
  return message ? toRow(message) : null;
}
