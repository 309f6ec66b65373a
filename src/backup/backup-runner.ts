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

/** Runs a PostgreSQL client tool on the database at `url` (none: a tool that reads a file only); its stdout. */
async function runTool(tool: string, args: string[], url?: string): Promise<string> {
  const { dbname, env } = url ? libpq(url) : { dbname: undefined, env: process.env };
  try {
    const connect = dbname ? ['--dbname', dbname] : [];
    return (await run(tool, [...args, ...connect], { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: string | number };
    const detail = code === 'ENOENT' ? `${tool} is not installed (PostgreSQL client tools)` : (stderr ?? '').trim();
    throw new Error(`${tool}${url ? ` on ${redactUrl(url)}` : ''} failed: ${detail.split('\n')[0] || String(error)}`, {
      cause: error,
    });
  }
}

/** pg_dump in its custom format (compressed; pg_restore can restore any part of it). */
export function postgresSource(url: string): BackupSource {
  return {
    kind: 'postgresql',
    write: async (file) => void (await runTool('pg_dump', ['--format=custom', '--file', file], url)),
  };
}

/**
 * Replaces the database's objects with the dump's, in one transaction (all or nothing). Owners
 * are left to the connecting user (who owns them anyway when it ran the migrations); grants to
 * the app role, row-level security policies and definer functions come with the dump. What the
 * dump does not have (made by a migration since the backup) is dropped first, so that the
 * database is the backup's and that migration applies again cleanly. Returns those objects' names.
 */
export async function restorePostgres(url: string, file: string): Promise<string[]> {
  // Reading the dump's table of contents also checks that the file is one, before anything is dropped.
  const dumped = dumpedNames(await runTool('pg_restore', ['--list', file]));
  const dropped = await withPg(url, async (client) => {
    await client.query('BEGIN');
    // pg-boss partitions its job table per queue, and pg_restore --clean cannot drop a partition's
    // inherited primary key: the queue's schema goes first (it is in the dump).
    await client.query('DROP SCHEMA IF EXISTS pgboss CASCADE');
    // --clean would not drop these, and fails on one that depends on what it drops (a foreign key).
    const leftovers = (await publicObjects(client)).filter((object) => !dumped[object.kind].has(object.name));
    for (const object of leftovers) await client.query(dropStatement(object));
    await client.query('COMMIT');
    return leftovers.map((object) => object.signature);
  });
  await runTool(
    'pg_restore',
    ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', file],
    url,
  );
  return dropped;
}

interface SchemaObject {
  /** A routine's name without its arguments (one of the dump's overloads keeps every one). */
  name: string;
  kind: 'relation' | 'routine' | 'type';
  /** relkind of a relation, typtype of a type. */
  detail: string;
  /** What DROP takes: quoted, a routine with its argument types. */
  signature: string;
}

const TOC_KINDS: Record<string, SchemaObject['kind']> = {
  TABLE: 'relation',
  VIEW: 'relation',
  'MATERIALIZED VIEW': 'relation',
  SEQUENCE: 'relation',
  FUNCTION: 'routine',
  PROCEDURE: 'routine',
  AGGREGATE: 'routine',
  TYPE: 'type',
  DOMAIN: 'type',
};

/** The public schema's objects a dump holds, by kind, from `pg_restore --list` (`id; catalog oid KIND public name owner`). */
function dumpedNames(toc: string): Record<SchemaObject['kind'], Set<string>> {
  const names = { relation: new Set<string>(), routine: new Set<string>(), type: new Set<string>() };
  const line = new RegExp(`^\\d+; \\d+ \\d+ (${Object.keys(TOC_KINDS).join('|')}) public (\\S+?)(?:\\(.*\\))? \\S+$`);
  for (const entry of toc.split('\n')) {
    const match = line.exec(entry);
    if (match) names[TOC_KINDS[match[1]!]!].add(match[2]!);
  }
  return names;
}

/** The public schema's tables, views, sequences, routines and types, without extension members. */
async function publicObjects(client: Client): Promise<SchemaObject[]> {
  const notFromExtension = (catalog: string, oid: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${catalog}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
  const { rows } = await client.query<SchemaObject>(`
    SELECT c.relname AS name, 'relation' AS kind, c.relkind::text AS detail, c.oid::regclass::text AS signature
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
       AND ${notFromExtension('pg_class', 'c.oid')}
    UNION ALL
    SELECT p.proname, 'routine', p.prokind::text, p.oid::regprocedure::text
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND ${notFromExtension('pg_proc', 'p.oid')}
    UNION ALL
    SELECT t.typname, 'type', t.typtype::text, t.oid::regtype::text
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r')
       AND ${notFromExtension('pg_type', 't.oid')}`);
  return rows.sort((a, b) => DROP_ORDER.indexOf(a.kind) - DROP_ORDER.indexOf(b.kind));
}

/** Relations first, then routines, then types (each CASCADE: what uses one goes with it). */
const DROP_ORDER: SchemaObject['kind'][] = ['relation', 'routine', 'type'];

function dropStatement(object: SchemaObject): string {
  if (object.kind === 'routine') return `DROP ROUTINE IF EXISTS ${object.signature} CASCADE`;
  if (object.kind === 'type')
    return `DROP ${object.detail === 'd' ? 'DOMAIN' : 'TYPE'} IF EXISTS ${object.signature} CASCADE`;
  const what = { v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE' }[object.detail] ?? 'TABLE';
  return `DROP ${what} IF EXISTS ${object.signature} CASCADE`;
}

async function withPg<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
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
