import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { contentMatchesType, contentTypeAllowed, normalizeContentType, sanitizeFileName } from './attachment-files';
import { ATTACHMENT_ORDER, AttachmentsRepository, type AttachmentRow } from './attachments.repository';
import { toAttachmentResponse, type AttachmentResponseDto } from './dto/attachment.dto';
import { FILE_STORAGE, type FileStorage } from './storage/file-storage';
import type { Upload } from './upload';

/** An attachment's bytes with what a download needs. */
export interface AttachmentContent {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

/**
 * Files a conversation's creator uploads, to send with a message. Who sees them is who sees the
 * conversation (row-level security: its creator, the org when shared); only the creator uploads
 * and deletes, and only until the file is sent with a message.
 */
@Injectable()
export class AttachmentsService {
  private readonly logger = new Logger('Attachments');

  constructor(
    private readonly repository: AttachmentsRepository,
    private readonly db: DbContext,
    private readonly context: RequestContext,
    private readonly config: AppConfig,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  /**
   * Runs without the request's transaction (the route is NoRequestTransaction): the bytes arrive
   * and are stored while no database connection is held, so slow uploads cannot drain the pool.
   * The checks and the row take a short transaction each.
   */
  async upload(orgId: string, conversationId: string, read: () => Promise<Upload>): Promise<AttachmentResponseDto> {
    const upload = await read();
    const scope = this.context.dbScope;
    const userId = await this.db.run(scope, () => this.creator(orgId, conversationId));
    const contentType = normalizeContentType(upload.contentType);
    if (!contentTypeAllowed(contentType, this.config.attachmentContentTypes))
      throw new AppException(
        'UNSUPPORTED_MEDIA_TYPE',
        `Files of type ${contentType || '(none)'} are not accepted; allowed: ${this.config.attachmentContentTypes.join(', ')}`,
      );
    if (upload.bytes.length === 0)
      throw new AppException('VALIDATION_FAILED', 'The file is empty', [
        { field: 'file', messages: ['file must not be empty'] },
      ]);
    if (!contentMatchesType(contentType, upload.bytes))
      throw new AppException('UNSUPPORTED_MEDIA_TYPE', `The file's content is not ${contentType}`);
    const id = this.repository.newId();
    const storageKey = `${orgId}/${id}`;
    await this.storage.put(storageKey, upload.bytes, contentType);
    try {
      const row = await this.db.run(scope, () =>
        this.repository.create(orgId, {
          id,
          conversationId,
          uploadedByUserId: userId,
          fileName: sanitizeFileName(upload.fileName),
          contentType,
          sizeBytes: upload.bytes.length,
          storageKey,
          sha256: createHash('sha256').update(upload.bytes).digest('hex'),
        }),
      );
      return toAttachmentResponse(row);
    } catch (error) {
      // No row, so no sweep would find the file.
      await this.storage.delete(storageKey).catch(() => undefined);
      throw error;
    }
  }

  async list(orgId: string, conversationId: string, query: PageQueryDto): Promise<Page<AttachmentResponseDto>> {
    return paginateChildren(
      query,
      ATTACHMENT_ORDER,
      () => this.conversation(orgId, conversationId),
      (page) => this.repository.list(orgId, conversationId, page),
      toAttachmentResponse,
    );
  }

  async get(orgId: string, conversationId: string, id: string): Promise<AttachmentResponseDto> {
    return toAttachmentResponse(await this.find(orgId, conversationId, id));
  }

  async content(orgId: string, conversationId: string, id: string): Promise<AttachmentContent> {
    const row = await this.find(orgId, conversationId, id);
    const bytes = await this.storage.get(row.storageKey);
    if (!bytes) {
      this.logger.error(`Attachment ${row.id}: its file ${row.storageKey} is missing from storage`);
      throw AppException.notFound('Attachment content');
    }
    return { fileName: row.fileName, contentType: row.contentType, bytes };
  }

  /** Deletes an attachment not yet sent (409 ATTACHMENT_SENT after); the sweep deletes its file. */
  async remove(orgId: string, conversationId: string, id: string): Promise<void> {
    await this.creator(orgId, conversationId);
    const row = await this.find(orgId, conversationId, id);
    if (row.messageId) throw sentError([row.id]);
    orNotFound(await this.repository.deleteUnsent(orgId, conversationId, id), 'Attachment');
  }

  private async find(orgId: string, conversationId: string, id: string): Promise<AttachmentRow> {
    await this.conversation(orgId, conversationId);
    return orNotFound(await this.repository.findById(orgId, conversationId, id), 'Attachment');
  }

  private async conversation(orgId: string, conversationId: string) {
    return orNotFound(await this.repository.findConversation(orgId, conversationId), 'Conversation');
  }

  /**
   * The caller, who must be the conversation's creator: 404 when they cannot see it, 403 when
   * they see it (shared with the org) but did not make it, or are an API key (files have an uploader).
   */
  private async creator(orgId: string, conversationId: string): Promise<string> {
    const conversation = await this.conversation(orgId, conversationId);
    const userId = this.context.userId;
    if (!userId || conversation.userId !== userId)
      throw AppException.forbidden("Only the conversation's creator adds or removes its files");
    return userId;
  }
}

/** 409 ATTACHMENT_SENT naming the attachments already sent with a message. */
export function sentError(ids: string[]): AppException {
  return new AppException(
    'ATTACHMENT_SENT',
    `Already sent with a message: ${ids.join(', ')}`,
    ids.map((id) => ({ field: 'attachmentIds', messages: [`${id} was already sent with a message`] })),
  );
}
