import { Injectable } from '@nestjs/common';
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

  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    return this.prisma.connection.listen(channel, listener);
  }
}
