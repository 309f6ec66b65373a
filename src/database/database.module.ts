import type { PGliteOptions } from '@electric-sql/pglite';
import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { resolveKeyRing } from '../common/secrets/key-ring.provider';
import { openDatabase } from './database-connection';
import { AccessChanges } from './access-changes';
import { DemoSeeder } from './demo-seed';
import { JobsDatabase } from './jobs-database';
import { PrismaService } from './prisma.service';

/**
 * Optional PGlite options for the embedded database. Nothing in the app provides them; the test
 * support does, to start each test's database from one migrated template instead of initdb +
 * migrations (seconds per boot).
 */
export const EMBEDDED_DATABASE_OPTIONS = Symbol('EMBEDDED_DATABASE_OPTIONS');

/**
 * Opens the database (migrating it when configured) and seeds demo data into an empty one when
 * configured. The server's provider below, and a cluster's primary once before it forks workers.
 */
export async function openPrisma(config: AppConfig, embedded?: PGliteOptions): Promise<PrismaService> {
  const logger = new Logger('Database');
  const connection = await openDatabase(config, embedded);
  logger.log(
    connection.kind === 'embedded'
      ? `Embedded PGlite database at ${config.DATA_DIR} (set DATABASE_URL to use PostgreSQL)`
      : 'PostgreSQL database from DATABASE_URL',
  );
  if (connection.migrated.length) logger.log(`Applied migrations: ${connection.migrated.join(', ')}`);
  const prisma = new PrismaService(connection, Math.max(10_000, config.DATABASE_CONNECT_TIMEOUT_MS + 1_000));
  if (config.seedsDemoData(connection.kind === 'embedded'))
    await new DemoSeeder(prisma, logger, undefined, resolveKeyRing(config)).seedIfEmpty();
  return prisma;
}

@Global()
@Module({
  providers: [
    {
      provide: PrismaService,
      inject: [AppConfig, { token: EMBEDDED_DATABASE_OPTIONS, optional: true }],
      useFactory: openPrisma,
    },
    AccessChanges,
    JobsDatabase,
  ],
  exports: [PrismaService, AccessChanges, JobsDatabase],
})
export class DatabaseModule {}
