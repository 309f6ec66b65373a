import { Module } from '@nestjs/common';
import { MessageAttachments } from './message-attachments';

/** Conversation attachments: upload, storage (DATA_DIR or S3), the orphaned-files sweep. */
@Module({
  providers: [MessageAttachments],
  exports: [MessageAttachments],
})
export class AttachmentsModule {}
