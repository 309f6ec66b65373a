import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { runBackupCommand } from '../../src/backup/backup.command';
import { BACKUP_QUEUE } from '../../src/backup/backup.module';
import { loadConfig } from '../../src/config/app-config';
import { openDatabase, pgliteSession, pgSession } from '../../src/database/database-connection';
import { applyMigrations, readMigrations } from '../../src/database/migrator';
import { JobsService } from '../../src/jobs/jobs.service';
import { signUp, type TestUser } from '../factories';
import { serverUrl, withDatabase, type TestDatabase } from '../support/database';
import { createTestApp, type TestApp } from '../support/test-app';

const url = serverUrl();
const FAST = { JOBS_POLL_INTERVAL_MS: '500', JOBS_SHUTDOWN_GRACE_MS: '500', LOG_LEVEL: 'silent' };
/** The migrations an "older" database has: all but the last two. */
const OLDER = readMigrations().slice(0, -2);

const files = (dir: string, reason?: string) =>
  (existsSync(dir) ? readdirSync(dir) : []).filter((name) => !reason || name.includes(`-${reason}.`));

async function until(probe: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe() && Date.now() < end) await sleep(100);
}

/** An org with one variable, made through the API (so the audit chain has entries). */
async function seedOrg(t: TestApp): Promise<{ user: TestUser; orgId: string }> {
  const user = await signUp(t);
  const org = await t
    .http()
    .post('/v1/orgs')
    .set(user.auth)
    .send({ name: 'Backed up', slug: `bk-${Date.now()}` });
  expect(org.status).toBe(201);
  const variable = await t
    .http()
    .post(`/v1/orgs/${org.body.id}/variables`)
    .set(user.auth)
    .send({ key: 'kept', value: 'before the backup' });
  expect(variable.status).toBe(201);
  return { user, orgId: org.body.id };
}

/** After the restore: the variable added after the backup is gone, the one before stays, the chain verifies. */
async function expectRestored(t: TestApp, user: TestUser, orgId: string): Promise<void> {
  const login = await t.http().post('/v1/auth/login').send({ email: user.email, password: user.password });
  expect(login.status).toBe(200);
  const auth = { Authorization: `Bearer ${login.body.accessToken}` };
  const list = await t.http().get(`/v1/orgs/${orgId}/variables`).set(auth);
  expect(list.status).toBe(200);
  expect(list.body.data.map((v: { key: string }) => v.key)).toEqual(['kept']);
  const verify = await t.http().get(`/v1/orgs/${orgId}/audit-logs/verify`).set(auth);
  expect(verify.status).toBe(200);
  expect(verify.body).toMatchObject({ valid: true });
  expect(verify.body.checked).toBeGreaterThanOrEqual(2);
}

async function addVariableAfterBackup(t: TestApp, user: TestUser, orgId: string): Promise<void> {
  const res = await t.http().post(`/v1/orgs/${orgId}/variables`).set(user.auth).send({ key: 'lost', value: 'after' });
  expect(res.status).toBe(201);
}

const print = () => undefined;

(url ? describe : describe.skip)('backups and restore on PostgreSQL (e2e)', () => {
  const name = `orgbase_backup_${process.pid}`;
  const dbUrl = url ? withDatabase(url, name) : '';
  const database: TestDatabase = { url: dbUrl, embedded: {}, drop: async () => undefined };
  let backupDir: string;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: withDatabase(url!, 'postgres') });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };

  beforeAll(async () => {
    backupDir = mkdtempSync(join(tmpdir(), 'orgbase-backups-'));
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('takes no backup of an empty database, one before migrating an older one, none when nothing is pending', async () => {
    const config = loadConfig({ DATABASE_URL: dbUrl, BACKUP_DIR: backupDir, LOG_LEVEL: 'silent' });
    const client = new Client({ connectionString: dbUrl });
    await client.connect();
    try {
      // Empty: the older migrations go in without a backup (nothing to lose).
      await applyMigrations(pgSession(client), OLDER, { beforeApplying: () => Promise.reject(new Error('no')) });
    } finally {
      await client.end();
    }
    const first = await openDatabase(config);
    await first.close();
    expect(first.migrated).toEqual(
      readMigrations()
        .slice(-2)
        .map((m) => m.name),
    );
    expect(files(backupDir, 'pre-migrate')).toHaveLength(1);
    const again = await openDatabase(config);
    await again.close();
    expect(again.migrated).toEqual([]);
    expect(files(backupDir)).toHaveLength(1);
  });

  it('round trip: backup, change, restore (the change is gone, sign-in and the audit chain still work)', async () => {
    const env = { ...FAST, BACKUP_DIR: backupDir, BACKUP_CRON: '*/5 * * * *' };
    let t = await createTestApp({ database, env });
    let user: TestUser;
    let orgId: string;
    try {
      ({ user, orgId } = await seedOrg(t));
      // The schedule is pg-boss's, in the database: one job per due time for all instances.
      const { rows } = await t.asOwner((s) =>
        s.query<{ cron: string }>('SELECT cron FROM pgboss.schedule WHERE name = $1', [BACKUP_QUEUE]),
      );
      expect(rows).toEqual([{ cron: '*/5 * * * *' }]);
      // The scheduled backup's handler, reached through the job queue.
      const before = files(backupDir).length;
      await t.app.get(JobsService).send(BACKUP_QUEUE, { reason: 'scheduled' });
      await until(() => files(backupDir, 'scheduled').length === 1);
      expect(files(backupDir)).toHaveLength(before + 1);
      await addVariableAfterBackup(t, user, orgId);
    } finally {
      await t.close();
    }
    // What a migration applied since the backup would have made: the restore drops it, so that
    // migration applies again cleanly (the rollback of a bad migration in the README).
    const later = async (sql: string) => {
      const client = new Client({ connectionString: dbUrl });
      await client.connect();
      return (await client.query(sql).finally(() => client.end())).rows;
    };
    await later(`
      CREATE TYPE later_kind AS ENUM ('a', 'b');
      CREATE TABLE later_things (id uuid PRIMARY KEY, kind later_kind, "userId" uuid REFERENCES users (id));
      CREATE FUNCTION later_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM later_things';
      CREATE VIEW later_view AS SELECT id FROM later_things;`);
    const [scheduled] = files(backupDir, 'scheduled');
    const config = loadConfig({ DATABASE_URL: dbUrl, BACKUP_DIR: backupDir, LOG_LEVEL: 'silent' });
    const printed: string[] = [];
    const restore = runBackupCommand(['restore', join(backupDir, scheduled!)], config, (line) => printed.push(line));
    await expect(restore).resolves.toBe(0);
    expect(files(backupDir, 'pre-restore')).toHaveLength(1);
    expect(printed.pop()).toBe(
      'Dropped what the backup does not have (made since): later_things, later_view, later_count(), later_kind',
    );
    expect(
      await later(`SELECT relname FROM pg_class WHERE relname LIKE 'later%'
                   UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'later%'
                   UNION ALL SELECT typname FROM pg_type WHERE typname LIKE 'later%'`),
    ).toEqual([]);
    // Emptying BACKUP_CRON removes the schedule.
    t = await createTestApp({ database, env: { ...FAST, BACKUP_DIR: backupDir } });
    try {
      await expectRestored(t, user, orgId);
      const { rows } = await t.asOwner((s) => s.query('SELECT 1 FROM pgboss.schedule WHERE name = $1', [BACKUP_QUEUE]));
      expect(rows).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('a failing pre-migration backup stops the start before any migration, with one line', async () => {
    const client = new Client({ connectionString: dbUrl });
    await client.connect();
    await client.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [readMigrations().at(-1)!.name]);
    await client.end();
    const notADir = join(backupDir, 'not-a-directory');
    writeFileSync(notADir, '');
    const config = loadConfig({ DATABASE_URL: dbUrl, BACKUP_DIR: notADir, LOG_LEVEL: 'silent' });
    await expect(openDatabase(config)).rejects.toThrow(/^Backup before migrating failed, not migrating/);
    const check = new Client({ connectionString: dbUrl });
    await check.connect();
    const { rows } = await check.query('SELECT 1 FROM "_prisma_migrations" WHERE migration_name = $1', [
      readMigrations().at(-1)!.name,
    ]);
    await check.end();
    expect(rows).toEqual([]);
  });
});

describe('backups and restore on embedded PGlite (e2e)', () => {
  let root: string;
  const embedded: TestDatabase = { url: undefined, embedded: {}, drop: async () => undefined };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'orgbase-pglite-backups-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('pre-migration backup, backup by the job queue, the command refused while the server runs, restore', async () => {
    const dataDir = join(root, 'data');
    const backupDir = join(root, 'backups');
    mkdirSync(dataDir, { recursive: true });
    const older = await PGlite.create(join(dataDir, 'pglite'));
    await applyMigrations(pgliteSession(older), OLDER);
    await older.close();

    const env = { ...FAST, DATA_DIR: dataDir, BACKUP_DIR: backupDir };
    const config = loadConfig({ DATA_DIR: dataDir, BACKUP_DIR: backupDir, LOG_LEVEL: 'silent' });
    let t = await createTestApp({ database: embedded, env });
    let user: TestUser;
    let orgId: string;
    try {
      expect(files(backupDir, 'pre-migrate')).toHaveLength(1);
      ({ user, orgId } = await seedOrg(t));
      await t.app.get(JobsService).send(BACKUP_QUEUE, { reason: 'scheduled' });
      await until(() => files(backupDir, 'scheduled').length === 1);
      expect(files(backupDir, 'scheduled')).toHaveLength(1);
      await expect(runBackupCommand(['backup'], config, print)).rejects.toThrow(
        /in use by a running server \(pid \d+\)/,
      );
      await addVariableAfterBackup(t, user, orgId);
    } finally {
      await t.close();
    }
    const [scheduled] = files(backupDir, 'scheduled');
    await expect(runBackupCommand(['restore', join(backupDir, scheduled!)], config, print)).resolves.toBe(0);
    expect(files(backupDir, 'pre-restore')).toHaveLength(1);
    t = await createTestApp({ database: embedded, env });
    try {
      await expectRestored(t, user, orgId);
      expect(files(backupDir, 'pre-migrate')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
