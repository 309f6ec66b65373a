import { Global, Module, type DynamicModule } from '@nestjs/common';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { EMBEDDED_DATABASE_OPTIONS } from '../../src/database/database.module';
import type { TestDatabase } from './database';

/** What every test app and service module runs with, under the test's own `env`. */
export function testConfig(database: TestDatabase, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: 'memory://',
    SEED_DEMO_DATA: 'false',
    BCRYPT_COST: '4',
    // No scheduled backups in tests (a test that wants one sets a cron).
    BACKUP_CRON: '',
    ...(database.url ? { DATABASE_URL: database.url, DATABASE_POOL_MAX: '4' } : {}),
    ...env,
  });
}

/** Gives DatabaseModule the test database's PGlite template to start from. */
export function testDatabaseModule(database: TestDatabase): DynamicModule {
  @Global()
  @Module({})
  class TestDatabaseModule {}
  return {
    module: TestDatabaseModule,
    providers: [{ provide: EMBEDDED_DATABASE_OPTIONS, useValue: database.embedded }],
    exports: [EMBEDDED_DATABASE_OPTIONS],
  };
}
