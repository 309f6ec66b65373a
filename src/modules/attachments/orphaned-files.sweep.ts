import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { JobsService } from '../../jobs/jobs.service';
import { AttachmentsRepository } from './attachments.repository';
import { FILE_STORAGE, type FileStorage } from './storage/file-storage';

export const ORPHANED_FILES_QUEUE = 'attachments.orphaned-files';
const BATCH = 100;
/** Batches one job deletes at most; what is left waits for the next job. */
const BATCHES_PER_JOB = 20;

/**
 * Deletes from storage the files of deleted attachments. Every deleted attachment row (by any
 * path: the attachment, its message or conversation, the account, the org) leaves its key in
 * `orphaned_files` (a trigger). Each instance queues a sweep job every
 * ATTACHMENT_SWEEP_INTERVAL_SECONDS with an id made from the interval, so pg-boss holds one job
 * per interval and one instance runs it. A batch is taken and its files deleted in one
 * transaction: a failed delete rolls the batch back for the next sweep (deleting twice is harmless).
 */
@Injectable()
export class OrphanedFilesSweep implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Attachments');
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    private readonly repository: AttachmentsRepository,
    private readonly db: DbContext,
    private readonly jobs: JobsService,
    private readonly config: AppConfig,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  onModuleInit(): void {
    this.jobs.register(ORPHANED_FILES_QUEUE, () => this.sweep().then(() => undefined), {
      concurrency: 1,
      retryLimit: 1,
      expireInSeconds: 600,
    });
  }

  onApplicationBootstrap(): void {
    const every = this.config.ATTACHMENT_SWEEP_INTERVAL_SECONDS * 1000;
    this.timer = setInterval(() => void this.queue(Math.floor(Date.now() / every)), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * Queues a sweep now (after the current transaction commits), e.g. after a conversation was
   * deleted; without `slot` every call queues one.
   */
  async queue(slot?: number): Promise<void> {
    await this.jobs.send(ORPHANED_FILES_QUEUE, {}, slot === undefined ? {} : { id: slotId(slot) });
  }

  /** Deletes the files of deleted attachments; resolves with how many. One sweep at a time here. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepBatches().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepBatches(): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < BATCHES_PER_JOB; i++) {
      const count = await this.db.run({}, async () => {
        const files = await this.repository.takeOrphaned(BATCH);
        for (const file of files) await this.storage.delete(file.storageKey);
        return files.length;
      });
      deleted += count;
      if (count < BATCH) break;
    }
    if (deleted > 0) this.logger.log(`Deleted ${deleted} stored file(s) of deleted attachments`);
    return deleted;
  }
}

/** A job id (a UUID, as pg-boss wants) that is the same in every instance for one interval. */
function slotId(slot: number): string {
  const hex = createHash('sha256').update(`${ORPHANED_FILES_QUEUE}:${slot}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
