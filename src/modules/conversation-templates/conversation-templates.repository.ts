import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { ConversationTemplate } from '../../generated/prisma/client';
import { AuditedWrites } from '../audit/audited-writes';

/** A template as stored; what the repository hands to the service. */
export type ConversationTemplateRow = ConversationTemplate;

export interface ConversationTemplateData {
  name: string;
  description?: string | null;
  systemPrompt?: string | null;
  promptId?: string | null;
  promptLabel?: string | null;
  model?: string | null;
  firstMessage?: string | null;
}

/** Lists go by name, id breaking ties: keyset pagination on the (orgId, name) unique index. */
export const TEMPLATE_ORDER = { name: 'string', id: 'uuid' } as const satisfies CursorShape;

/** Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. Writes are audited. */
@Injectable()
export class ConversationTemplatesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: ConversationTemplateData, createdByUserId: string | null) {
    return this.audited.create('conversation_template', () =>
      this.db.client.conversationTemplate.create({ data: { ...data, orgId, createdByUserId } }),
    );
  }

  list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof TEMPLATE_ORDER>; search?: string },
  ): Promise<ConversationTemplateRow[]> {
    const page = keyset(TEMPLATE_ORDER, 'asc', options.after);
    const search = options.search;
    return this.db.client.conversationTemplate.findMany({
      where: { orgId, name: search ? { contains: search, mode: 'insensitive' } : undefined, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  findById(orgId: string, id: string): Promise<ConversationTemplateRow | null> {
    return this.db.client.conversationTemplate.findFirst({ where: { orgId, id } });
  }

  update(orgId: string, id: string, expected: ExpectedVersion, data: Partial<ConversationTemplateData>) {
    return this.audited.update(
      'conversation_template',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.conversationTemplate.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: { ...data, version: { increment: 1 } },
        }),
    );
  }

  delete(orgId: string, id: string, expected: ExpectedVersion) {
    return this.audited.delete(
      'conversation_template',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.conversationTemplate.delete({
          where: { id, orgId, version: matchVersion(before.version, expected) },
        }),
    );
  }

  /** Whether the org has this prompt (and, when given, this label on it). */
  async promptExists(orgId: string, promptId: string): Promise<boolean> {
    return (await this.db.client.prompt.count({ where: { orgId, id: promptId } })) > 0;
  }

  async labelExists(orgId: string, promptId: string, label: string): Promise<boolean> {
    return (await this.db.client.promptLabel.count({ where: { orgId, promptId, label } })) > 0;
  }

  /** Names of the templates that use a prompt (its delete is refused while there are any). */
  async namesUsingPrompt(orgId: string, promptId: string): Promise<string[]> {
    const rows = await this.db.client.conversationTemplate.findMany({
      where: { orgId, promptId },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    return rows.map((row) => row.name);
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<ConversationTemplateRow | null> {
    await this.db.client.$executeRaw`
      SELECT 1 FROM conversation_templates WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
