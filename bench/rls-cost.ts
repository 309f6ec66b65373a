/**
 * Cost of row-level security on the hot path: the same build, the same PostgreSQL database and
 * the same request (a tenant-scoped page of variables), served twice side by side:
 *   "rls"    connects as orgbase_app, so every query passes the tenant policies;
 *   "no-rls" keeps the connecting superuser, which bypasses RLS (everything else identical).
 * Runs each for DURATION seconds, alternating, and prints requests/s, p99 and the ratio.
 *   npm run build && DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { hashSync } from 'bcrypt';
import { Client } from 'pg';

const ADMIN_URL = process.env.DATABASE_URL;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const ORGS = Number(process.env.BENCH_ORGS ?? 100);
const ROWS_PER_ORG = Number(process.env.BENCH_ROWS_PER_ORG ?? 100);
const DB = 'orgbase_bench';

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

async function startServer(port: number, appRole: string): Promise<ChildProcess> {
  const child = spawn('node', ['dist/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: urlFor(DB),
      DATABASE_APP_ROLE: appRole,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'true',
      RATE_LIMIT_PER_MINUTE: '10000000',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-1234',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 120; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null))?.ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server on ${port} did not become ready`);
}

async function createDatabase(): Promise<void> {
  const admin = new Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
}

async function fillData(): Promise<string> {
  const db = new Client({ connectionString: urlFor(DB) });
  await db.connect();
  const hash = hashSync('bench-password-1', 4);
  const user = await db.query<{ id: string }>(
    `INSERT INTO users (id, email, name, "passwordHash", "updatedAt") VALUES (gen_random_uuid(), 'bench@orgbase.local', 'Bench', $1, now()) RETURNING id`,
    [hash],
  );
  const userId = user.rows[0]!.id;
  let firstOrg = '';
  for (let o = 0; o < ORGS; o++) {
    const org = await db.query<{ id: string }>(
      `INSERT INTO organizations (id, name, slug, "updatedAt") VALUES (gen_random_uuid(), $1, $1, now()) RETURNING id`,
      [`bench-org-${o}`],
    );
    const orgId = org.rows[0]!.id;
    firstOrg ||= orgId;
    await db.query(
      `INSERT INTO memberships (id, "orgId", "userId", role, "updatedAt") VALUES (gen_random_uuid(), $1, $2, 'OWNER', now())`,
      [orgId, userId],
    );
    await db.query(
      `INSERT INTO variables (id, "orgId", key, value, "updatedAt")
       SELECT gen_random_uuid(), $1, 'var_' || lpad(g::text, 6, '0'), 'value ' || g, now() FROM generate_series(1, $2) g`,
      [orgId, ROWS_PER_ORG],
    );
  }
  await db.query('ANALYZE');
  await db.end();
  return firstOrg;
}

async function run(name: string, port: number, path: string, token: string) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: 16,
    duration: DURATION,
    headers: { authorization: `Bearer ${token}` },
  });
  if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} non-2xx responses`);
  return { name, rps: result.requests.average, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  if (!ADMIN_URL)
    throw new Error('Set DATABASE_URL to a PostgreSQL server (a database named orgbase_bench is created)');
  await createDatabase();
  const rls = await startServer(4101, 'orgbase_app'); // migrates the fresh database
  const orgId = await fillData();
  const noRls = await startServer(4102, '');
  try {
    const login = await fetch('http://127.0.0.1:4101/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@orgbase.local', password: 'bench-password-1' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const path = `/v1/orgs/${orgId}/variables?limit=20`;
    await run('warm-up', 4101, path, accessToken);
    await run('warm-up', 4102, path, accessToken);
    const rounds: { name: string; rps: number; p99: number }[] = [];
    for (let i = 0; i < 2; i++)
      rounds.push(await run('rls', 4101, path, accessToken), await run('no-rls', 4102, path, accessToken));
    const avg = (name: string, key: 'rps' | 'p99') =>
      rounds.filter((r) => r.name === name).reduce((sum, r) => sum + r[key], 0) / 2;
    const summary = {
      rows: ORGS * ROWS_PER_ORG,
      rls: { rps: avg('rls', 'rps'), p99Ms: avg('rls', 'p99') },
      noRls: { rps: avg('no-rls', 'rps'), p99Ms: avg('no-rls', 'p99') },
      throughputRatio: +(avg('rls', 'rps') / avg('no-rls', 'rps')).toFixed(3),
      p99Ratio: +(avg('rls', 'p99') / avg('no-rls', 'p99')).toFixed(3),
    };
    console.log(JSON.stringify(summary, null, 2));
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', `rls-cost-${Date.now()}.json`),
      JSON.stringify({ rounds, summary }, null, 2),
    );
  } finally {
    rls.kill('SIGTERM');
    noRls.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
