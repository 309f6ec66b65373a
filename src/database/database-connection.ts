import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { Logger } from '@nestjs/common';
import { Client, Pool, escapeIdentifier, type ClientConfig } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { AppConfig } from '../config/app-config';
import {
  takeBackup,
  pgliteSource,
  postgresSource,
  writeEmbeddedLock,
  type BackupSource,
} from '../backup/backup-runner';
import { applyMigrations, type MigrateOptions, type SqlSession } from './migrator';
import { beginTransactionsWithPrelude } from './transaction-prelude';

export interface DatabaseConnection {
  kind: 'postgresql' | 'embedded';
  adapter: PrismaPg | PrismaPGlite;
  /** Migrations applied by this start. */
  migrated: string[];
  close(): Promise<void>;
  /**
   * Runs SQL as the connecting (owner) user rather than the RLS-bound app role: for tests and
   * maintenance that must see or change rows behind the API's back.
   */
  asOwner<T>(run: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Receives the database's NOTIFY messages on `channel` until the returned stop() is called.
   * `live(false)` says messages may be missed from now on (the listening connection was lost),
   * `live(true)` that they are received again (after which the listener re-reads what it relies on).
   */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  /**
   * SQL for the background job queue (pg-boss), as the connecting (owner) user: the queue's
   * schema is not the app role's to read. Opened on first use, closed with the connection.
   */
  jobsSql(): JobsSql;
  /** Writes a backup of this database (pg_dump, or PGlite's dump of the instance the server has open). */
  backupSource(): BackupSource;
}

/** What pg-boss calls to reach its tables (its `db` option). */
export interface JobsSql {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface NotificationListener {
  message(payload: string): void;
  live(receiving: boolean): void;
}

const logger = new Logger('Database');

export function embeddedDataDir(config: AppConfig): string {
  return config.DATA_DIR === 'memory://' ? 'memory://' : join(config.DATA_DIR, 'pglite');
}

/**
 * Opens PostgreSQL (DATABASE_URL) or the embedded PGlite database and brings its schema up to date.
 * `embedded` adds PGlite options: tests start from a migrated template (`loadDataDir`).
 */
export async function openDatabase(config: AppConfig, embedded: PGliteOptions = {}): Promise<DatabaseConnection> {
  return config.DATABASE_URL ? openPostgres(config, config.DATABASE_URL) : openEmbedded(config, embedded);
}

async function openPostgres(config: AppConfig, url: string): Promise<DatabaseConnection> {
  let migrated: string[] = [];
  if (config.MIGRATE_ON_START) {
    const options = backupBeforeMigrating(config, postgresSource(url));
    migrated = await withClient(url, (session) => applyMigrations(session, undefined, options));
  }
  const role = config.DATABASE_APP_ROLE;
  // The role is a startup parameter: every connection is the app role from its first query on.
  const pool = new Pool({
    connectionString: url,
    max: config.DATABASE_POOL_MAX,
    // An unreachable server must fail requests fast (503), not hold them until the client gives up.
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    options: role ? `-c role=${role}` : undefined,
  });
  // A connection the server drops (restart, failover, admin) must not crash the process: the pool
  // reports idle ones, but a session ended while a request holds its connection (pg_terminate_backend,
  // a fast shutdown) emits 'error' on the client itself, which without a listener would exit Node.
  const lost = (error: Error) => logger.warn(`Database connection lost: ${error.message}`);
  pool.on('error', lost);
  pool.on('connect', (client) => {
    client.on('error', lost);
    beginTransactionsWithPrelude(client);
  });
  let jobsPool: Pool | undefined;
  return {
    kind: 'postgresql',
    adapter: new PrismaPg(pool, { disposeExternalPool: true, statementNameGenerator: preparedStatementNames() }),
    migrated,
    close: async () => {
      await jobsPool?.end();
    },
    jobsSql: () => {
      // The owner's connections, without the app role (pg-boss locks its rows with SKIP LOCKED,
      // so every instance and worker process shares the queue and each job runs once).
      jobsPool ??= new Pool({
        connectionString: url,
        max: 3,
        connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
        application_name: 'orgbase-jobs',
      });
      jobsPool.on('error', lost);
      const pool = jobsPool;
      return { executeSql: async (text, values) => ({ rows: (await pool.query(text, values)).rows }) };
    },
    asOwner: (run) => withClient(url, run),
    backupSource: () => postgresSource(url),
    listen: (channel, listener) =>
      listenOnPostgres({ connectionString: url, options: pool.options.options }, channel, listener),
  };
}

/** The pre-migration backup (BACKUP_BEFORE_MIGRATE): when it fails, the server does not migrate. */
function backupBeforeMigrating(config: AppConfig, source: BackupSource): MigrateOptions {
  if (!config.BACKUP_BEFORE_MIGRATE) return {};
  return {
    beforeApplying: async (pending) => {
      try {
        const file = await takeBackup(config, source, 'pre-migrate');
        logger.log(`Backed up the database to ${file} before applying ${pending.length} migration(s)`);
      } catch (error) {
        throw new Error(
          `Backup before migrating failed, not migrating (set BACKUP_BEFORE_MIGRATE=false to skip it): ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
  };
}

const RECONNECT_DELAYS_MS = [100, 500, 1000, 2000, 5000];

/**
 * LISTEN on a connection of its own (pooled ones are shared by transactions), reopened with a
 * growing delay when the server drops it; `live` tells the listener when it may rely on it.
 */
async function listenOnPostgres(
  config: ClientConfig,
  channel: string,
  listener: NotificationListener,
): Promise<() => Promise<void>> {
  let client: Client | undefined;
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const open = async (): Promise<void> => {
    const candidate = new Client(config);
    candidate.on('notification', (notification) => {
      if (notification.channel === channel) listener.message(notification.payload ?? '');
    });
    candidate.on('error', (error) => logger.warn(`Notification connection lost: ${error.message}`));
    candidate.on('end', () => {
      if (client !== candidate) return;
      client = undefined;
      listener.live(false);
      reopenLater();
    });
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${escapeIdentifier(channel)}`);
    } catch (error) {
      logger.warn(`Cannot listen for notifications: ${(error as Error).message}`);
      await candidate.end().catch(() => undefined);
      reopenLater();
      return;
    }
    if (stopped) return void (await candidate.end());
    client = candidate;
    failures = 0;
    listener.live(true);
  };
  const reopenLater = () => {
    if (stopped) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(failures++, RECONNECT_DELAYS_MS.length - 1)];
    retry = setTimeout(() => void open(), delay);
    retry.unref();
  };

  await open();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const current = client;
    client = undefined;
    await current?.end().catch(() => undefined);
  };
}

const MAX_PREPARED_STATEMENTS = 1000;

/**
 * Names for Prisma's parameterised statements, so that node-postgres prepares each once per
 * connection and then only binds and executes it (PostgreSQL parses and plans it once, too).
 * Statements without parameters are left unnamed (raw SQL built from literals would be unbounded),
 * and past MAX_PREPARED_STATEMENTS distinct texts new ones are too.
 */
function preparedStatementNames(): (query: { sql: string; args: unknown[] }) => string {
  const names = new Map<string, string>();
  return ({ sql, args }) => {
    let name = names.get(sql);
    if (name === undefined && args.length > 0 && names.size < MAX_PREPARED_STATEMENTS) {
      name = `orgbase_${names.size}`;
      names.set(sql, name);
    }
    // An undefined name makes node-postgres send the statement unnamed (not prepared).
    return name as string;
  };
}

async function withClient<T>(url: string, run: (session: SqlSession) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(pgSession(client));
  } finally {
    await client.end();
  }
}

async function openEmbedded(config: AppConfig, options: PGliteOptions): Promise<DatabaseConnection> {
  const dataDir = embeddedDataDir(config);
  if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, options);
  // The backup command refuses to touch a data directory a live server holds.
  const unlock = dataDir === 'memory://' ? () => undefined : writeEmbeddedLock(config.DATA_DIR);
  const session = pgliteSession(pglite);
  const migrated = await applyMigrations(session, undefined, backupBeforeMigrating(config, pgliteSource(pglite))).catch(
    async (error: unknown) => {
      await pglite.close().catch(() => undefined);
      unlock();
      throw error;
    },
  );
  const role = config.DATABASE_APP_ROLE;
  const useAppRole = () => (role ? pglite.exec(`SET ROLE ${role}`) : Promise.resolve());
  await useAppRole();
  return {
    kind: 'embedded',
    adapter: new PrismaPGlite(pglite),
    migrated,
    close: async () => {
      await pglite.close();
      unlock();
    },
    backupSource: () => pgliteSource(pglite),
    jobsSql: () => pgliteJobsSql(pglite),
    listen: async (channel, listener) => {
      const stop = await pglite.listen(channel, (payload) => listener.message(payload));
      listener.live(true);
      return stop;
    },
    // PGlite has one connection: step out of the app role for the duration of `run`.
    asOwner: async (run) => {
      await pglite.exec('RESET ROLE');
      try {
        return await run(session);
      } finally {
        await useAppRole();
      }
    },
  };
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

/**
 * pg-boss on the embedded database. PGlite has one connection, shared with Prisma's adapter, and
 * a mutex for transactions: `transaction()` holds it from BEGIN to COMMIT, and every `query()` or
 * `exec()` outside it waits for it (pglite-prisma-adapter opens Prisma's interactive transactions
 * with `transaction()`, its other queries use `query()`). So each statement pg-boss sends runs in
 * a transaction of its own between Prisma's, never inside one. `SET LOCAL ROLE NONE` makes it the
 * owner (the session user) until that transaction ends, the app role again after it whether it
 * commits or fails; the app role has no privilege on the queue's schema.
 *
 * pg-boss's maintenance scripts bring their own BEGIN and COMMIT (without parameters): inside
 * ours the BEGIN is a warning and their COMMIT ends the transaction, ours then a warning.
 *
 * Never await this inside a Prisma transaction on PGlite: it would wait for the mutex that
 * transaction holds. JobsService.send defers to after the commit for that reason.
 */
export function pgliteJobsSql(pglite: PGlite): JobsSql {
  return {
    executeSql: (text, values) =>
      pglite.transaction(async (tx) => {
        await tx.exec('SET LOCAL ROLE NONE');
        if (values && values.length > 0) return { rows: (await tx.query(text, values)).rows };
        const results = await tx.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      }),
  };
}
