import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import { uuidv7 } from '../../database/prisma.service';
import type { Attachment } from '../../generated/prisma/client';
import { AuditedWrites } from '../audit/audited-writes';
import { AuditService } from '../audit/audit.service';

/** An attachment as stored; what the repository hands to the service. */
export type AttachmentRow = Attachment;

/** The conversation an attachment belongs to, as far as the caller may see it. */
export interface ConversationOwner {
  id: string;
  userId: string;
}

export interface NewAttachment {
  id: string;
  conversationId: string;
  uploadedByUserId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  storageKey: string;
  sha256: string;
}

/** An orphaned file the sweep took: its row is gone, its bytes are still stored. */
export interface OrphanedFileRow {
  orgId: string;
  storageKey: string;
}

/** Attachments of a conversation, oldest first. */
export const ATTACHMENT_ORDER = TIME_CURSOR;

/**
 * Every method takes orgId first and filters on it; row-level security adds who sees the
 * conversation (its creator, or the org when shared) and lets only its creator write.
 */
@Injectable()
export class AttachmentsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
    private readonly audit: AuditService,
  ) {}

  /** An id for a new attachment, known before its row so that its file can be stored first. */
  newId(): string {
    return uuidv7();
  }

  /** The conversation if the caller sees it (row-level security hides others' private ones). */
  findConversation(orgId: string, conversationId: string): Promise<ConversationOwner | null> {
    return this.db.client.conversation.findFirst({
      where: { orgId, id: conversationId },
      select: { id: true, userId: true },
    });
  }

  create(orgId: string, data: NewAttachment): Promise<AttachmentRow> {
    return this.audited.create('attachment', () => this.db.client.attachment.create({ data: { ...data, orgId } }));
  }

  list(
    orgId: string,
    conversationId: string,
    options: { take: number; after?: Cursor<typeof ATTACHMENT_ORDER> },
  ): Promise<AttachmentRow[]> {
    const page = keyset(ATTACHMENT_ORDER, 'asc', options.after);
    return this.db.client.attachment.findMany({
      where: { orgId, conversationId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  findById(orgId: string, conversationId: string, id: string): Promise<AttachmentRow | null> {
    return this.db.client.attachment.findFirst({ where: { orgId, conversationId, id } });
  }

  findByIds(orgId: string, conversationId: string, ids: string[]): Promise<AttachmentRow[]> {
    return this.db.client.attachment.findMany({ where: { orgId, conversationId, id: { in: ids } } });
  }

  /** The attachments of these messages, oldest first. */
  forMessages(orgId: string, conversationId: string, messageIds: string[]): Promise<AttachmentRow[]> {
    return this.db.client.attachment.findMany({
      where: { orgId, conversationId, messageId: { in: messageIds } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** Deletes an attachment not yet sent; null when there is none such (the row is locked first). */
  deleteUnsent(orgId: string, conversationId: string, id: string): Promise<AttachmentRow | null> {
    return this.audited.delete(
      'attachment',
      async () => {
        const [row] = await this.db.client.$queryRaw<AttachmentRow[]>`
          SELECT * FROM attachments WHERE "orgId" = ${orgId}::uuid AND "conversationId" = ${conversationId}::uuid
            AND id = ${id}::uuid FOR UPDATE`;
        return row ?? null;
      },
      (before) => this.db.client.attachment.delete({ where: { id: before.id, orgId, messageId: null } }),
    );
  }

  /**
   * Links unsent attachments to a message; returns how many it linked. Audited per attachment
   * (`attachment.attached`), with the message it went with.
   */
  async attach(orgId: string, conversationId: string, messageId: string, ids: string[]): Promise<number> {
    const { count } = await this.db.client.attachment.updateMany({
      where: { orgId, conversationId, id: { in: ids }, messageId: null },
      data: { messageId },
    });
    for (const id of ids) {
      await this.audit.record({
        orgId,
        action: 'attachment.attached',
        resourceType: 'attachment',
        resourceId: id,
        after: { conversationId, messageId },
      });
    }
    return count;
  }

  /** Takes (and forgets) up to `limit` orphaned files, in any org: a definer function. */
  takeOrphaned(limit: number): Promise<OrphanedFileRow[]> {
    return this.db.client.$queryRaw<OrphanedFileRow[]>`
      SELECT "orgId"::text AS "orgId", "storageKey" FROM app_take_orphaned_files(${limit}::int)`;
  }
}
