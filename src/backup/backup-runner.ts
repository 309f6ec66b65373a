import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import {
  backupFileName,
  expiredBackups,
  redactUrl,
  resolveBackupDir,
  type BackupKind,
  type BackupReason,
} from './backup-files';

const run = promisify(execFile);

/** What can write one backup of a database to a file. */
export interface BackupSource {
  kind: BackupKind;
  write(file: string): Promise<void>;
}

export interface BackupSettings {
  BACKUP_DIR?: string;
  DATA_DIR: string;
  BACKUP_KEEP: number;
}

/**
 * Writes a backup into the backup directory under a temporary name and renames it when complete
 * (a file with a final name is always whole), then deletes automatic backups beyond BACKUP_KEEP.
 * Returns the file's path.
 */
export async function takeBackup(
  settings: BackupSettings,
  source: BackupSource,
  reason: BackupReason,
): Promise<string> {
  const dir = resolveBackupDir(settings);
  mkdirSync(dir, { recursive: true });
  const name = backupFileName(source.kind, new Date(), reason);
  const final = join(dir, name);
  const partial = join(dir, `.${name}.partial`);
  try {
    await source.write(partial);
    renameSync(partial, final);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  for (const expired of expiredBackups(readdirSync(dir), settings.BACKUP_KEEP))
    rmSync(join(dir, expired), { force: true });
  return final;
}

/**
 * libpq arguments without the password, which goes in PGPASSWORD: argv is visible to every
 * user of the machine (ps), the environment is not.
 */
function libpq(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

async function runTool(tool: string, args: string[], url: string): Promise<void> {
  const { dbname, env } = libpq(url);
  try {
    await run(tool, [...args, '--dbname', dbname], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string | number };
    const detail = code === 'ENOENT' ? `${tool} is not installed (PostgreSQL client tools)` : (stderr ?? '').trim();
    throw new Error(`${tool} on ${redactUrl(url)} failed: ${detail.split('\n')[0] || String(error)}`, { cause: error });
  }
}

/** pg_dump in its custom format (compressed; pg_restore can restore any part of it). */
export function postgresSource(url: string): BackupSource {
  return { kind: 'postgresql', write: (file) => runTool('pg_dump', ['--format=custom', '--file', file], url) };
}

/**
 * Replaces the database's objects with the dump's, in one transaction (all or nothing). Owners
 * are left to the connecting user (who owns them anyway when it ran the migrations); grants to
 * the app role, row-level security policies and definer functions come with the dump.
 */
export async function restorePostgres(url: string, file: string): Promise<void> {
  // pg-boss partitions its job table per queue, and pg_restore --clean cannot drop a partition's
  // inherited primary key: the queue's schema goes first (it is in the dump, and pg-boss would
  // recreate an empty one at start should the restore fail).
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS pgboss CASCADE');
  } finally {
    await client.end();
  }
  await runTool(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', file],
    url,
  );
}

/** PGlite's own dump of its data directory (a gzipped tarball), from the instance that has it open. */
export function pgliteSource(pglite: PGlite): BackupSource {
  return {
    kind: 'pglite',
    write: async (file) => writeFile(file, Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer())),
  };
}

/**
 * Loads the tarball into a fresh data directory beside `dataDir`, then swaps it in: the old
 * directory is only removed once the new one opened and answered.
 */
export async function restorePgliteDataDir(dataDir: string, file: string): Promise<void> {
  const fresh = `${dataDir}.restoring`;
  const old = `${dataDir}.replaced`;
  rmSync(fresh, { recursive: true, force: true });
  const pglite = await PGlite.create(fresh, { loadDataDir: new Blob([readFileSync(file)]) });
  try {
    await pglite.query('SELECT 1 FROM "_prisma_migrations" LIMIT 1');
  } finally {
    await pglite.close();
  }
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dataDir)) renameSync(dataDir, old);
  renameSync(fresh, dataDir);
  rmSync(old, { recursive: true, force: true });
}

/** The file a server on the embedded database keeps while it has DATA_DIR open (PGlite is one process). */
export function embeddedLockFile(dataDir: string): string {
  return join(dataDir, 'server.pid');
}

export function writeEmbeddedLock(dataDir: string): () => void {
  const file = embeddedLockFile(dataDir);
  writeFileSync(file, String(process.pid));
  return () => {
    if (readPid(file) === process.pid) rmSync(file, { force: true });
  };
}

/** The pid of a live process that holds DATA_DIR, or null (no lock, or one left by a process that died). */
export function embeddedServerPid(dataDir: string): number | null {
  const pid = readPid(embeddedLockFile(dataDir));
  if (pid === null) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
