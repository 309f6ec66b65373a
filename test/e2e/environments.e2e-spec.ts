import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { readMigrations } from '../../src/database/migrator';
import { serverUrl, withDatabase } from '../support/database';
import { createTestApp } from '../support/test-app';

const url = serverUrl();
const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script as an operator would, with this process's environment (PRISMA_* for the offline CLI) and ENV_DIR. */
async function script(name: string, args: string[], envDir: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(join(ROOT, 'scripts', name), args, {
      cwd: ROOT,
      env: { ...process.env, ENV_DIR: envDir },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

async function sql<T>(database: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: withDatabase(url!, database) });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

(url ? describe : describe.skip)('scripts/db-migrate.sh and scripts/db-seed.sh (e2e, PostgreSQL)', () => {
  const production = `orgbase_env_prod_${process.pid}`;
  const development = `orgbase_env_dev_${process.pid}`;
  const password = `Pw with 'quotes" and $dollar ${process.pid}`;
  let envDir: string;

  beforeAll(async () => {
    envDir = mkdtempSync(join(tmpdir(), 'orgbase-env-'));
    for (const db of [production, development]) {
      await sql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await sql('postgres', `CREATE DATABASE ${db}`);
    }
    // A DATABASE_URL in the shell must not win over the file's (it points elsewhere here).
    writeFileSync(
      join(envDir, '.env.production'),
      [
        `DATABASE_URL=${withDatabase(url!, production)}`,
        'ADMIN_EMAIL=Root@Example.com',
        // Unquoted in dotenv syntax: the quotes and the $ are part of the value (and no shell expands it).
        `ADMIN_PASSWORD=${password}`,
        'BCRYPT_COST=4',
      ].join('\n'),
    );
    writeFileSync(join(envDir, '.env.development'), `DATABASE_URL=${withDatabase(url!, development)}\n`);
  });
  afterAll(async () => {
    for (const db of [production, development]) await sql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    rmSync(envDir, { recursive: true, force: true });
  });

  it('refuses an unknown environment (usage, exit 2) and a missing env file (exit 1)', async () => {
    const unknown = await script('db-migrate.sh', ['qa'], envDir);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: scripts/db-migrate.sh') });
    const none = await script('db-seed.sh', [], envDir);
    expect(none.code).toBe(2);
    const missing = await script('db-seed.sh', ['staging'], envDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(envDir, '.env.staging')} not found`);
  });

  it('production: migrates, creates only the platform admin (who can sign in), and refuses a second seed', async () => {
    const migrate = await script('db-migrate.sh', ['production'], envDir);
    expect(migrate.code).toBe(0);
    const applied = await sql<{ n: number }>(production, 'SELECT count(*)::int AS n FROM "_prisma_migrations"');
    expect(applied[0]!.n).toBe(readMigrations().length);

    const seed = await script('db-seed.sh', ['production'], envDir);
    expect(seed).toMatchObject({ code: 0, stdout: expect.stringContaining('root@example.com') });
    expect(seed.stdout + seed.stderr).not.toContain(password);
    const users = await sql(
      production,
      'SELECT email, "platformRole", "emailVerifiedAt" IS NOT NULL AS verified FROM users',
    );
    expect(users).toEqual([{ email: 'root@example.com', platformRole: 'ADMIN', verified: true }]);
    expect(await sql(production, 'SELECT id FROM organizations')).toEqual([]);

    const t = await createTestApp({
      database: { url: withDatabase(url!, production), embedded: {}, drop: async () => undefined },
    });
    try {
      const login = await t.http().post('/v1/auth/login').send({ email: 'root@example.com', password });
      expect(login.status).toBe(200);
      const me = await t
        .http()
        .get('/v1/me')
        .set({ Authorization: `Bearer ${login.body.accessToken}` });
      expect(me.body).toMatchObject({ email: 'root@example.com', platformRole: 'ADMIN' });
    } finally {
      await t.close();
    }

    const again = await script('db-seed.sh', ['production'], envDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has users');
    expect(await sql(production, 'SELECT id FROM users')).toHaveLength(1);
  });

  it('development: migrates and seeds the demo data', async () => {
    expect((await script('db-migrate.sh', ['development'], envDir)).code).toBe(0);
    const seed = await script('db-seed.sh', ['development'], envDir);
    expect(seed.code).toBe(0);
    const orgs = await sql<{ slug: string }>(development, 'SELECT slug FROM organizations ORDER BY slug');
    expect(orgs.map((org) => org.slug)).toEqual(expect.arrayContaining(['acme-labs', 'globex']));
    expect((await sql(development, 'SELECT id FROM users')).length).toBeGreaterThan(1);
  });
});
