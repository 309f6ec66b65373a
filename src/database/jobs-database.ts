import { Injectable } from '@nestjs/common';
import type { BackupSource } from '../backup/backup-runner';
import type { JobsSql, NotificationListener } from './database-connection';
import { PrismaService } from './prisma.service';

/**
 * The job queue's way into the database (see DatabaseConnection.jobsSql), and the database's
 * notifications for background work (a cancelled run reaches the instance playing it).
 */
@Injectable()
export class JobsDatabase {
  constructor(private readonly prisma: PrismaService) {}

  sql(): JobsSql {
    return this.prisma.connection.jobsSql();
  }

  /** How the scheduled backup dumps this database (on PGlite: the instance the server has open). */
  backupSource(): BackupSource {
    return this.prisma.connection.backupSource();
  }

  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    return this.prisma.connection.listen(channel, listener);
  }
}
