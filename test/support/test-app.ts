import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp, createHttpAdapter } from '../../src/app.setup';
import type { AppConfig } from '../../src/config/app-config';
import { PrismaService } from '../../src/database/prisma.service';
import { createTestDatabase, type TestDatabase } from './database';
import { forgetLimits, pairDatabase, pairFor } from './pair';
import { testConfig, testDatabaseModule } from './test-config';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  prisma: PrismaService;
  /** SQL as the database owner, outside row-level security (to tamper, or to look behind the API). */
  asOwner: PrismaService['connection']['asOwner'];
  /** A supertest client bound to the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment for loadConfig, over the test defaults. */
  env?: Record<string, string>;
  /** Controllers only a test needs (e.g. to exercise the pipeline). */
  controllers?: Type[];
  /** Modules only a test needs (e.g. a feature module registered nowhere else). */
  imports?: Type[];
  /** Where the app's log goes (with `env.LOG_LEVEL`), for tests that read it. */
  logDestination?: DestinationStream;
  /**
   * A database another app of the test uses too (PostgreSQL; two instances, or a restart); the
   * test drops it. Without it the app gets a fresh database of its own, dropped by close().
   */
  database?: TestDatabase;
}

/**
 * Boots the whole app on its own fresh database, the way main.ts does, without listening on a port.
 * Under `npm run test:scaleout`, `http()` goes to the running pair of servers instead (test/support/pair.ts).
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const pair = pairFor(options);
  const database = pair ? pairDatabase(pair) : (options.database ?? (await createTestDatabase()));
  const dropDatabase = () => (options.database ? Promise.resolve() : database.drop());
  const config = testConfig(database, { ...pair?.env, ...options.env });
  if (pair) await forgetLimits(pair);

  @Module({
    imports: [AppModule.forRoot(config), testDatabaseModule(database), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
  })
  class TestRootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(
    TestRootModule,
    createHttpAdapter(config, options.logDestination),
    {
      logger: false,
      abortOnError: false,
      bodyParser: false,
    },
  );
  try {
    await configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    // An app that refuses to start (a test of start-up checks) still gives back its database.
    await app.close().catch(() => undefined);
    await dropDatabase();
    throw error;
  }

  return {
    app,
    config,
    prisma: app.get(PrismaService),
    asOwner: (run) => app.get(PrismaService).connection.asOwner(run),
    http: () => request(pair ? pair.url : app.getHttpServer()),
    close: async () => {
      await app.close();
      await dropDatabase();
    },
  };
}
