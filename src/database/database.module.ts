import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { openDatabase } from './database-connection';
import { DemoSeeder } from './demo-seed';
import { PrismaService } from './prisma.service';

@Global()
@Module({
  providers: [
    {
      provide: PrismaService,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Database');
        const connection = await openDatabase(config);
        logger.log(
          connection.kind === 'embedded'
            ? `Embedded PGlite database at ${config.DATA_DIR} (set DATABASE_URL to use PostgreSQL)`
            : 'PostgreSQL database from DATABASE_URL',
        );
        if (connection.migrated.length) logger.log(`Applied migrations: ${connection.migrated.join(', ')}`);
        const prisma = new PrismaService(connection);
        if (config.seedsDemoData(connection.kind === 'embedded')) await new DemoSeeder(prisma, logger).seedIfEmpty();
        return prisma;
      },
    },
  ],
  exports: [PrismaService],
})
export class DatabaseModule {}
