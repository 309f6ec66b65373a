import { Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobsDatabase } from '../database/jobs-database';
import { JobsService } from '../jobs/jobs.service';
import type { BackupReason } from './backup-files';
import { takeBackup } from './backup-runner';

export const BACKUP_QUEUE = 'backup';

export interface BackupJob {
  reason: Extract<BackupReason, 'scheduled' | 'manual'>;
}

/**
 * Scheduled backups (BACKUP_CRON) through the job queue: pg-boss makes one job per due time for
 * all instances, and one worker takes it. On the embedded database the job dumps the server's own
 * PGlite instance (the command cannot open a data directory the server holds).
 */
@Injectable()
export class BackupJobs implements OnModuleInit {
  private readonly logger = new Logger('Backup');

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly database: JobsDatabase,
  ) {}

  onModuleInit(): void {
    this.jobs.register<BackupJob>(BACKUP_QUEUE, async (data) => void (await this.backup(data.reason)), {
      concurrency: 1,
      retryLimit: 1,
      retryDelaySeconds: 60,
      expireInSeconds: 3600,
    });
    const cron = this.config.BACKUP_CRON.trim();
    // Emptied: the schedule an earlier start left in the queue's tables goes too.
    if (cron) this.jobs.schedule(BACKUP_QUEUE, cron, { reason: 'scheduled' } satisfies BackupJob);
    else this.jobs.unschedule(BACKUP_QUEUE);
  }

  async backup(reason: BackupJob['reason']): Promise<string> {
    const file = await takeBackup(this.config, this.database.backupSource(), reason);
    this.logger.log(`Backed up the database to ${file}`);
    return file;
  }
}

@Module({ providers: [BackupJobs] })
export class BackupModule {}
