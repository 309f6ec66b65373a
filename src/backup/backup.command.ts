import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig, type AppConfig } from '../config/app-config';
import { loadEnvFile } from '../config/env-file';
import { embeddedDataDir } from '../database/database-connection';
import { parseBackupFileName, redactUrl } from './backup-files';
import {
  embeddedServerPid,
  pgliteSource,
  postgresSource,
  restorePgliteDataDir,
  restorePostgres,
  takeBackup,
  type BackupSource,
} from './backup-runner';

const USAGE = 'usage: node dist/backup/backup.command.js backup | restore <file>';

type Print = (line: string) => void;

/**
 * `npm run db:backup` and `npm run db:restore -- <file>`, on PostgreSQL (DATABASE_URL: pg_dump /
 * pg_restore) or on the embedded database under DATA_DIR (PGlite's dump of its data directory;
 * the server must be stopped, PGlite being one process). Before a restore the current database is
 * backed up too ("pre-restore"), so a restore can be undone.
 */
export async function runBackupCommand(args: readonly string[], config: AppConfig, print: Print): Promise<number> {
  const [command, file] = args;
  if (command === 'backup' && !file) {
    await withSource(config, async (source) => print(`Wrote ${await takeBackup(config, source, 'manual')}`));
    return 0;
  }
  if (command === 'restore' && file) return restore(config, resolve(file), print);
  print(USAGE);
  return 2;
}

async function restore(config: AppConfig, file: string, print: Print): Promise<number> {
  const parsed = parseBackupFileName(basename(file));
  if (!existsSync(file)) return fail(print, `No such backup file: ${file}`);
  const kind = config.isEmbedded ? 'pglite' : 'postgresql';
  if (parsed && parsed.kind !== kind) {
    return fail(print, `${basename(file)} is a ${parsed.kind} backup; this database is ${kind}`);
  }
  await withSource(config, async (source) =>
    print(`Backed up the current database to ${await takeBackup(config, source, 'pre-restore')}`),
  );
  if (config.DATABASE_URL) {
    const dropped = await restorePostgres(config.DATABASE_URL, file);
    print(`Restored ${file} into ${redactUrl(config.DATABASE_URL)}`);
    if (dropped.length) print(`Dropped what the backup does not have (made since): ${dropped.join(', ')}`);
  } else {
    await restorePgliteDataDir(embeddedDataDir(config), file);
    print(`Restored ${file} into ${embeddedDataDir(config)}`);
  }
  return 0;
}

/** A backup source for the command: pg_dump, or the embedded data directory opened here (refused while a server has it). */
async function withSource(config: AppConfig, run: (source: BackupSource) => Promise<void>): Promise<void> {
  if (config.DATABASE_URL) return run(postgresSource(config.DATABASE_URL));
  if (config.DATA_DIR === 'memory://') throw new Error('DATA_DIR=memory:// has nothing on disk to back up or restore');
  const pid = embeddedServerPid(config.DATA_DIR);
  if (pid !== null) {
    throw new Error(
      `The embedded database in ${config.DATA_DIR} is in use by a running server (pid ${pid}): stop it first, or let the scheduled backup (BACKUP_CRON) take it`,
    );
  }
  const dataDir = embeddedDataDir(config);
  if (!existsSync(dataDir)) throw new Error(`No embedded database in ${dataDir}`);
  const pglite = await PGlite.create(dataDir);
  try {
    await run(pgliteSource(pglite));
  } finally {
    await pglite.close();
  }
}

function fail(print: Print, message: string): number {
  print(message);
  return 1;
}

if (require.main === module) {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  Promise.resolve()
    .then(() => {
      loadEnvFile();
      return runBackupCommand(process.argv.slice(2), loadConfig(), print);
    })
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`backup: ${(error as Error).message ?? String(error)}\n`);
        process.exitCode = 1;
      },
    );
}
