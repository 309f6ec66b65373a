import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsFeature } from './attachments.feature';
import { AttachmentsRepository } from './attachments.repository';
import { AttachmentsService } from './attachments.service';
import { MessageAttachments } from './message-attachments';
import { OrphanedFilesSweep } from './orphaned-files.sweep';
import { createFileStorage } from './storage/create-file-storage';
import { FILE_STORAGE } from './storage/file-storage';

/** Conversation attachments: upload, storage (DATA_DIR or S3), the orphaned-files sweep. */
@Module({
  controllers: [AttachmentsController],
  providers: [
    AttachmentsService,
    AttachmentsRepository,
    AttachmentsFeature,
    MessageAttachments,
    OrphanedFilesSweep,
    { provide: FILE_STORAGE, inject: [AppConfig], useFactory: createFileStorage },
  ],
  exports: [MessageAttachments, OrphanedFilesSweep],
})
export class AttachmentsModule {}
