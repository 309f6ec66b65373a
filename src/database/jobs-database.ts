import { Injectable } from '@nestjs/common';
import type { JobsSql } from './database-connection';
import { PrismaService } from './prisma.service';

/** The job queue's way into the database (see DatabaseConnection.jobsSql), for src/jobs. */
@Injectable()
export class JobsDatabase {
  constructor(private readonly prisma: PrismaService) {}

  sql(): JobsSql {
    return this.prisma.connection.jobsSql();
  }
}
