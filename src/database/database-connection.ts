import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { AppConfig } from '../config/app-config';
import { applyMigrations, type SqlSession } from './migrator';

export interface DatabaseConnection {
  kind: 'postgresql' | 'embedded';
  adapter: PrismaPg | PrismaPGlite;
  /** Migrations applied by this start. */
  migrated: string[];
  close(): Promise<void>;
}

export function embeddedDataDir(config: AppConfig): string {
  return config.DATA_DIR === 'memory://' ? 'memory://' : join(config.DATA_DIR, 'pglite');
}

/** Opens PostgreSQL (DATABASE_URL) or the embedded PGlite database and brings its schema up to date. */
export async function openDatabase(config: AppConfig): Promise<DatabaseConnection> {
  return config.DATABASE_URL ? openPostgres(config, config.DATABASE_URL) : openEmbedded(config);
}

async function openPostgres(config: AppConfig, url: string): Promise<DatabaseConnection> {
  let migrated: string[] = [];
  if (config.MIGRATE_ON_START) {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      migrated = await applyMigrations(pgSession(client));
    } finally {
      await client.end();
    }
  }
  const adapter = new PrismaPg({ connectionString: url, max: config.DATABASE_POOL_MAX });
  return { kind: 'postgresql', adapter, migrated, close: async () => undefined };
}

async function openEmbedded(config: AppConfig): Promise<DatabaseConnection> {
  const dataDir = embeddedDataDir(config);
  if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const migrated = await applyMigrations(pgliteSession(pglite));
  return { kind: 'embedded', adapter: new PrismaPGlite(pglite), migrated, close: () => pglite.close() };
}

export function pgSession(client: Client): SqlSession {
  return {
    query: async (sql, params) => ({ rows: (await client.query(sql, params)).rows }),
    exec: (sql) => client.query(sql),
  };
}

export function pgliteSession(pglite: PGlite): SqlSession {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
    exec: (sql) => pglite.exec(sql),
  };
}
