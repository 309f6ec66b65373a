import { randomUUID } from 'node:crypto';
import type { Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ClsService } from 'nestjs-cls';
import type { RequestStore } from '../../src/common/tenancy/request-context';
import { CommonModule } from '../../src/common/common.module';
import type { AppConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { DbContext } from '../../src/database/db-context';
import { PrismaService } from '../../src/database/prisma.service';
import type { MemberRole } from '../../src/generated/prisma/enums';
import { createTestDatabase } from './database';
import { testConfig, testDatabaseModule } from './test-config';

/**
 * Who a piece of service code runs as: a signed-in user, outside any org or inside one with their
 * role there (what TenantGuard found for a tenant route).
 */
export type Actor = { userId: string; email?: string } & ({ orgId?: undefined } | { orgId: string; role: MemberRole });

export interface ServiceModule {
  module: TestingModule;
  config: AppConfig;
  prisma: PrismaService;
  /** SQL as the database owner, outside row-level security (to set up, or to look behind the services). */
  asOwner: PrismaService['connection']['asOwner'];
  get<T>(type: Type<T>): T;
  /**
   * Runs `work` the way a request of `actor` runs its handler: in a request context holding the
   * principal and tenant, inside one transaction with the RLS scope TenantInterceptor would set.
   */
  as<T>(actor: Actor, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ServiceModuleOptions {
  /** The module(s) under test. */
  imports?: Type[];
  providers?: Provider[];
  /** Extra environment for loadConfig, over the test defaults. */
  env?: Record<string, string>;
}

/**
 * The service-level test tier: config, DatabaseModule and CommonModule (request context, DbContext,
 * audit, feature registry) plus the modules under test, on a fresh database cloned from the run's
 * migrated template (PGlite, or PostgreSQL with DATABASE_URL), with no HTTP server. For the rules
 * an e2e test reaches only slowly: concurrency, locks, scopes, plan resolution.
 */
export async function createServiceModule(options: ServiceModuleOptions = {}): Promise<ServiceModule> {
  const database = await createTestDatabase();
  const config = testConfig(database, options.env);
  let module: TestingModule;
  try {
    module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        testDatabaseModule(database),
        DatabaseModule,
        CommonModule,
        ...(options.imports ?? []),
      ],
      providers: options.providers ?? [],
    }).compile();
    await module.init();
  } catch (error) {
    await database.drop();
    throw error;
  }

  const prisma = module.get(PrismaService);
  const cls = module.get<ClsService<RequestStore>>(ClsService);
  const db = module.get(DbContext);
  return {
    module,
    config,
    prisma,
    asOwner: (run) => prisma.connection.asOwner(run),
    get: (type) => module.get(type, { strict: false }),
    as: (actor, work) =>
      cls.run(() => {
        cls.set('principal', {
          kind: 'user',
          userId: actor.userId,
          email: actor.email ?? `${actor.userId}@example.test`,
          sessionId: randomUUID(),
          platformRole: 'USER',
        });
        if (actor.orgId) cls.set('tenant', { orgId: actor.orgId, role: actor.role });
        return db.run({ orgId: actor.orgId, userId: actor.userId, email: actor.email }, work);
      }),
    close: async () => {
      await module.close();
      await database.drop();
    },
  };
}
