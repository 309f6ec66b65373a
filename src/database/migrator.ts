import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The two things the migrator needs from a connection; pg.Client and PGlite both provide them. */
export interface SqlSession {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<unknown>;
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = resolve(__dirname, '../../prisma/migrations');

// Same table, lock id and checksum (SHA-256 of migration.sql) as Prisma Migrate, so
// `prisma migrate status` and `prisma migrate deploy` agree with what the server applied.
const PRISMA_ADVISORY_LOCK_ID = 72707369;
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`Migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does and records them in
 * `_prisma_migrations`. Returns the names it applied.
 */
export interface MigrateOptions {
  /**
   * Called under the migration lock before the first pending migration is applied, only when some
   * are pending and the database already has applied ones (an empty database has nothing to lose):
   * the pre-migration backup. Throwing stops the migration.
   */
  beforeApplying?: (pending: string[]) => Promise<void>;
}

export async function applyMigrations(
  session: SqlSession,
  migrations = readMigrations(),
  options: MigrateOptions = {},
): Promise<string[]> {
  await session.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_ID]);
  try {
    await session.exec(MIGRATIONS_TABLE_DDL);
    const { rows } = await session.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} failed earlier; fix the database and run "prisma migrate resolve" before starting`,
      );
    }
    const applied = new Set(
      rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => row.migration_name),
    );
    const pending = migrations.filter((migration) => !applied.has(migration.name)).map((migration) => migration.name);
    if (pending.length > 0 && applied.size > 0) await options.beforeApplying?.(pending);
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      const id = randomUUID();
      await session.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
        [id, migration.checksum, migration.name],
      );
      try {
        await session.exec(`BEGIN;\n${migration.sql}\nCOMMIT;`);
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => undefined);
        await session.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, String(error)]);
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await session.query(
        'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
        [id],
      );
      done.push(migration.name);
    }
    return done;
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_ID]);
  }
}
