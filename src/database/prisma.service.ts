import type { OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';

/** The Prisma client over whichever database the server opened. Only repositories use it. */
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private closing?: Promise<void>;

  constructor(readonly connection: DatabaseConnection) {
    super({ adapter: connection.adapter });
  }

  /** Runs after the HTTP server has closed, so in-flight requests still have their database. Idempotent. */
  onApplicationShutdown(): Promise<void> {
    this.closing ??= this.$disconnect().then(() => this.connection.close());
    return this.closing;
  }
}
