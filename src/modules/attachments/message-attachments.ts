import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import type { AttachmentForModel } from '../llm/model-gateway';
import { isTextLike } from './attachment-files';
import { AttachmentsRepository, type AttachmentRow } from './attachments.repository';
import { sentError } from './attachments.service';
import { FILE_STORAGE, type FileStorage } from './storage/file-storage';

/** The most characters of one text file a model gets; the rest is cut with a note saying so. */
export const MODEL_TEXT_MAX_CHARS = 100_000;

// CONTRACT (issue 10): the attachments helper implements this class; the messages code calls it.
// Both methods run in the caller's DbContext scope (the request's transaction, RLS applies).
// Signatures may gain optional parameters, never lose or change existing ones.

@Injectable()
export class MessageAttachments {
  constructor(
    private readonly repository: AttachmentsRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  /**
   * Links uploaded, not yet sent attachments of this conversation to a just-stored user message.
   * Unknown ids, ids of another conversation or org: 404 NOT_FOUND naming them; an attachment
   * already sent with another message: 409 CONFLICT. An empty list does nothing.
   * (The 409's code is ATTACHMENT_SENT; `errors` names each id.)
   */
  async attach(orgId: string, conversationId: string, messageId: string, attachmentIds: string[]): Promise<void> {
    const ids = [...new Set(attachmentIds)];
    if (ids.length === 0) return;
    const rows = await this.repository.findByIds(orgId, conversationId, ids);
    const missing = ids.filter((id) => !rows.some((row) => row.id === id));
    if (missing.length > 0)
      throw new AppException(
        'NOT_FOUND',
        `Attachment not found: ${missing.join(', ')}`,
        missing.map((id) => ({
          field: 'attachmentIds',
          messages: [`${id} is not an attachment of this conversation`],
        })),
      );
    const sent = rows.filter((row) => row.messageId !== null && row.messageId !== messageId).map((row) => row.id);
    if (sent.length > 0) throw sentError(sent);
    const unsent = rows.filter((row) => row.messageId === null).map((row) => row.id);
    // A concurrent send took one between the read and the update: the same 409.
    const linked = await this.repository.attach(orgId, conversationId, messageId, unsent);
    if (linked !== unsent.length) throw sentError(unsent);
  }

  /**
   * What the model gets for the attachments of these messages, keyed by message id (messages
   * without attachments are absent). Text files as text, images as base64.
   * Text-like files (text/*, application/json, *+json) as UTF-8 text, cut at MODEL_TEXT_MAX_CHARS
   * with a note; image/* as base64; anything else (PDF) as a one-line note naming the file, its
   * type and size (its content is not extracted).
   */
  async forModel(
    orgId: string,
    conversationId: string,
    messageIds: string[],
  ): Promise<Map<string, AttachmentForModel[]>> {
    const result = new Map<string, AttachmentForModel[]>();
    if (messageIds.length === 0) return result;
    const rows = await this.repository.forMessages(orgId, conversationId, [...new Set(messageIds)]);
    for (const row of rows) {
      const forModel = await this.render(row);
      result.set(row.messageId!, [...(result.get(row.messageId!) ?? []), forModel]);
    }
    return result;
  }

  private async render(row: AttachmentRow): Promise<AttachmentForModel> {
    const base = { fileName: row.fileName, contentType: row.contentType };
    const note = (why: string) => ({
      ...base,
      text: `[Attached file ${row.fileName} (${row.contentType}, ${row.sizeBytes} bytes): ${why}]`,
    });
    const textLike = isTextLike(row.contentType);
    if (!textLike && !row.contentType.startsWith('image/')) return note('its content is not given to the model');
    const bytes = await this.storage.get(row.storageKey);
    if (!bytes) return note('the file is missing from storage');
    if (!textLike) return { ...base, imageBase64: bytes.toString('base64') };
    const text = bytes.toString('utf8');
    if (text.length <= MODEL_TEXT_MAX_CHARS) return { ...base, text };
    return {
      ...base,
      text: `${text.slice(0, MODEL_TEXT_MAX_CHARS)}\n[… cut: the first ${MODEL_TEXT_MAX_CHARS} of ${text.length} characters]`,
    };
  }
}
