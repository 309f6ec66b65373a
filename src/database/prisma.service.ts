import type { OnModuleDestroy } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { DatabaseConnection } from './database-connection';

/** The Prisma client over whichever database the server opened. Only repositories use it. */
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(readonly connection: DatabaseConnection) {
    super({ adapter: connection.adapter });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
    await this.connection.close();
  }
}
