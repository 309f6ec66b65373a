import type { OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';

/** The Prisma client over whichever database the server opened. Only repositories use it. */
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(readonly connection: DatabaseConnection) {
    super({ adapter: connection.adapter });
  }

  /** Runs after the HTTP server has closed, so in-flight requests still have their database. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.connection.close();
  }
}
