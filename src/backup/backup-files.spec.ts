import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/app-config';
import { adminCredentialsProblem } from '../database/admin-seed';
import { backupFileName, expiredBackups, parseBackupFileName, redactUrl, resolveBackupDir } from './backup-files';
import { takeBackup, type BackupSource } from './backup-runner';

const at = new Date('2026-11-30T09:05:07.123Z');

describe('backup file names', () => {
  it('names files orgbase-<kind>-<UTC timestamp>[-<reason>].<ext> and parses them back', () => {
    expect(backupFileName('postgresql', at)).toBe('orgbase-postgresql-20261130T090507123Z.dump');
    expect(backupFileName('pglite', at, 'pre-migrate')).toBe('orgbase-pglite-20261130T090507123Z-pre-migrate.tar.gz');
    expect(parseBackupFileName('orgbase-pglite-20261130T090507123Z-scheduled.tar.gz')).toEqual({
      name: 'orgbase-pglite-20261130T090507123Z-scheduled.tar.gz',
      kind: 'pglite',
      stamp: '20261130T090507123Z',
      reason: 'scheduled',
    });
    expect(parseBackupFileName('orgbase-pglite-20261130T090507123Z.dump')).toBeNull();
    expect(parseBackupFileName('.orgbase-postgresql-20261130T090507123Z.dump.partial')).toBeNull();
    expect(parseBackupFileName('notes.txt')).toBeNull();
  });

  it('expires the automatic backups beyond the newest `keep`, never manual or pre-restore ones', () => {
    const name = (minute: number, reason?: 'scheduled' | 'pre-migrate' | 'pre-restore') =>
      backupFileName('postgresql', new Date(at.getTime() + minute * 60_000), reason);
    const names = [name(1, 'scheduled'), name(2), name(3, 'pre-migrate'), name(4, 'scheduled'), name(5, 'pre-restore')];
    expect(expiredBackups(names, 2)).toEqual([name(1, 'scheduled')]);
    expect(expiredBackups(names, 1).sort()).toEqual([name(1, 'scheduled'), name(3, 'pre-migrate')].sort());
    expect(expiredBackups(names, 14)).toEqual([]);
  });

  it('puts backups in BACKUP_DIR, else under DATA_DIR, else ./backups for an in-memory database', () => {
    expect(resolveBackupDir({ BACKUP_DIR: '/srv/bk', DATA_DIR: './.data' })).toBe('/srv/bk');
    expect(resolveBackupDir({ DATA_DIR: '/var/lib/orgbase' })).toBe('/var/lib/orgbase/backups');
    expect(resolveBackupDir({ DATA_DIR: './.data' })).toBe(resolve('.data/backups'));
    expect(resolveBackupDir({ DATA_DIR: 'memory://' })).toBe(resolve('backups'));
  });

  it('redacts the password of a database URL', () => {
    expect(redactUrl('postgresql://app:s3cr%40t@db:5432/orgbase')).toBe('postgresql://app:***@db:5432/orgbase');
    expect(redactUrl('postgresql://app@db/orgbase')).toBe('postgresql://app@db/orgbase');
    expect(redactUrl('not a url')).not.toContain('not a url');
  });
});

describe('takeBackup', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orgbase-takebackup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const source: BackupSource = { kind: 'postgresql', write: async (file) => writeFileSync(file, 'dump') };
  const settings = () => ({ BACKUP_DIR: dir, DATA_DIR: 'memory://', BACKUP_KEEP: 2 });

  it('keeps the BACKUP_KEEP newest automatic backups and every manual one', async () => {
    await takeBackup(settings(), source, 'manual');
    for (let i = 0; i < 4; i++) {
      await takeBackup(settings(), source, i % 2 ? 'scheduled' : 'pre-migrate');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    expect(names.filter((name) => !name.includes('-scheduled') && !name.includes('-pre-migrate'))).toHaveLength(1);
    expect(names.filter((name) => name.includes('-scheduled'))).toHaveLength(1);
  });

  it('leaves no file behind when the dump fails (it is written under a temporary name)', async () => {
    const failing: BackupSource = {
      kind: 'pglite',
      write: async (file) => {
        writeFileSync(file, 'half');
        throw new Error('disk full');
      },
    };
    await expect(takeBackup(settings(), failing, 'scheduled')).rejects.toThrow('disk full');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('backup and admin settings', () => {
  it('validates BACKUP_CRON (empty turns scheduled backups off) and BACKUP_KEEP', () => {
    expect(loadConfig({}).BACKUP_CRON).toBe('0 2 * * *');
    expect(loadConfig({ BACKUP_CRON: '' }).BACKUP_CRON).toBe('');
    expect(loadConfig({ BACKUP_CRON: '30 3 * * 1' }).BACKUP_CRON).toBe('30 3 * * 1');
    expect(() => loadConfig({ BACKUP_CRON: 'every day' })).toThrow(
      new ConfigError(
        'Invalid environment variable BACKUP_CRON: must be a cron expression (e.g. "0 2 * * *") or empty',
      ),
    );
    expect(() => loadConfig({ BACKUP_KEEP: '0' })).toThrow(/^Invalid environment variable BACKUP_KEEP/);
    expect(() => loadConfig({ BACKUP_BEFORE_MIGRATE: 'maybe' })).toThrow(/BACKUP_BEFORE_MIGRATE/);
  });

  it('checks the production admin as registration does', () => {
    expect(adminCredentialsProblem('admin@example.com', 'long enough pw')).toBeNull();
    expect(adminCredentialsProblem(undefined, 'long enough pw')).toBe('ADMIN_EMAIL is not set');
    expect(adminCredentialsProblem('admin', 'long enough pw')).toBe('ADMIN_EMAIL is not a valid email address');
    expect(adminCredentialsProblem('admin@example.com', undefined)).toBe('ADMIN_PASSWORD is not set');
    expect(adminCredentialsProblem('admin@example.com', 'short')).toBe('ADMIN_PASSWORD must be 10 to 128 characters');
  });
});
