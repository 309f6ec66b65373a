import { isAbsolute, join, resolve } from 'node:path';

/** What a backup file holds: a pg_dump custom-format archive, or a tarball of PGlite's data directory. */
export type BackupKind = 'postgresql' | 'pglite';

/** Why a backup was taken; only automatic ones count towards BACKUP_KEEP. */
export type BackupReason = 'manual' | 'scheduled' | 'pre-migrate' | 'pre-restore';

const EXTENSION: Record<BackupKind, string> = { postgresql: 'dump', pglite: 'tar.gz' };
const AUTOMATIC: readonly string[] = ['scheduled', 'pre-migrate'];
const NAME = /^orgbase-(postgresql|pglite)-(\d{8}T\d{6}\d{3}Z)(?:-([a-z-]+))?\.(dump|tar\.gz)$/;

export interface BackupFile {
  name: string;
  kind: BackupKind;
  /** UTC timestamp in the name (sorts as text). */
  stamp: string;
  reason?: string;
}

/** `orgbase-<kind>-<UTC timestamp>[-<reason>].<ext>`; the timestamp has milliseconds so names do not collide. */
export function backupFileName(kind: BackupKind, at: Date, reason?: BackupReason): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `orgbase-${kind}-${stamp}${reason && reason !== 'manual' ? `-${reason}` : ''}.${EXTENSION[kind]}`;
}

export function parseBackupFileName(name: string): BackupFile | null {
  const match = NAME.exec(name);
  if (!match || EXTENSION[match[1] as BackupKind] !== match[4]) return null;
  return { name, kind: match[1] as BackupKind, stamp: match[2]!, reason: match[3] };
}

/**
 * The automatic backups to delete so that the `keep` newest remain. Manual and pre-restore
 * backups are never deleted: someone asked for them.
 */
export function expiredBackups(names: readonly string[], keep: number): string[] {
  const automatic = names
    .map(parseBackupFileName)
    .filter((file): file is BackupFile => file !== null && AUTOMATIC.includes(file.reason ?? ''))
    .sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  return automatic.slice(keep).map((file) => file.name);
}

/** BACKUP_DIR, or `<DATA_DIR>/backups` (`./backups` when the data lives in memory). */
export function resolveBackupDir(config: { BACKUP_DIR?: string; DATA_DIR: string }): string {
  if (config.BACKUP_DIR) return resolve(config.BACKUP_DIR);
  if (config.DATA_DIR === 'memory://') return resolve('backups');
  return isAbsolute(config.DATA_DIR) ? join(config.DATA_DIR, 'backups') : resolve(config.DATA_DIR, 'backups');
}

/** A connection string fit for logs and errors: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable database URL)';
  }
}
