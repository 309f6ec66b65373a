import { mkdtempSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
// The app's modules declare the API-key scopes when they load: knownScopes() needs them imported.
import '../../src/app.module';
import { knownScopes } from '../../src/common/features/feature';
import { unique } from '../factories';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { printFigures } from './support/findings';
import { closeAgents, send } from './support/http-client';
import { LoadRecorder, runLoad, type LoadTarget } from './support/load';
import { HIGH_LIMITS_ENV } from './support/load-target';
import { judgeOutage, killSessions, underLoad } from './support/outage';
import { pgQuery, reconcile, reconciled, type Query } from './support/reconcile';
import { ensureBuilt, ServerProcess } from './support/server-process';

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) {
  process.stdout.write('\n[reliability] built server faults and SIGTERM: skipped — DATABASE_URL is not set\n');
}
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function post(base: string, url: string, body: object, token?: string): Promise<Record<string, string>> {
  const res = await send(base, {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${url}: ${res.status} ${res.text}`);
  return res.json as Record<string, string>;
}

/** Through the API of the running process: an owner, an ENTERPRISE org (no plan limits), two API keys. */
async function apiTarget(base: string, query: Query): Promise<LoadTarget> {
  const id = unique();
  const owner = await post(base, '/v1/auth/register', {
    email: `owner-${id}@example.test`,
    password: `password-${id}`,
    name: 'Owner',
  });
  const org = await post(base, '/v1/orgs', { name: `Shutdown ${id}` }, owner.accessToken);
  await query(`UPDATE organizations SET tier = 'ENTERPRISE' WHERE id = $1`, [org.id]);
  const keys = [];
  for (const name of ['one', 'two'])
    keys.push(await post(base, `/v1/orgs/${org.id}/api-keys`, { name, scopes: knownScopes() }, owner.accessToken));
  return { base, orgId: org.id!, tokens: [owner.accessToken!], apiKeys: keys.map((key) => key.key!) };
}

/**
 * Part 3, the built server as its own process (dist/main.js, as in production): it survives
 * PostgreSQL ending its sessions, and SIGTERM under load lets in-flight requests finish, refuses
 * new ones, exits 0, and loses nothing it accepted.
 */
onPostgres('the built server under faults (reliability, PostgreSQL)', () => {
  let database: TestDatabase;
  let query: Query;
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
    query = pgQuery(database.url!);
    dataDir = mkdtempSync('/tmp/reliability-data-');
    server = await ServerProcess.start({
      ...HIGH_LIMITS_ENV,
      DATABASE_URL: database.url!,
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      BCRYPT_COST: '4',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    closeAgents();
    await server?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('survives its database sessions being killed under load (pg_terminate_backend), without a restart', async () => {
    const target = await apiTarget(server.base, query);
    const fault = killSessions(database.url!, 1500, 4500);
    const run = await underLoad(target, { clients: 20, durationMs: 6500 }, fault);
    const outage = judgeOutage(run, 1000 + 5000, false);
    const result = await reconcile(query, target.orgId, run.recorder.writes);
    printFigures('built server, pg_terminate_backend', {
      ...outage.figures,
      'sessions killed': fault.killed(),
      process: server.alive ? 'still running' : `exited ${server.exit?.code ?? server.exit?.signal}`,
      'writes reconciled': reconciled(result),
    });
    expect({ alive: server.alive, output: server.alive ? '' : server.output.slice(-3000) }).toEqual({
      alive: true,
      output: '',
    });
    expect([...outage.violations, ...result.violations]).toEqual([]);
  });

  it('SIGTERM under load: in-flight requests complete, new ones are refused, exit 0, nothing accepted is lost', async () => {
    const target = await apiTarget(server.base, query);
    const recorder = new LoadRecorder();
    const load = runLoad(target, { clients: 20, durationMs: 15_000, stop: () => !server.alive }, recorder);
    await sleep(2500);
    const sigtermAt = recorder.now();
    const signalled = performance.now();
    server.signal('SIGTERM');
    const deadline = new AbortController();
    await Promise.race([server.exited, sleep(SHUTDOWN_TIMEOUT_MS + 5000, undefined, { signal: deadline.signal })]);
    deadline.abort();
    await load;

    const all = recorder.all;
    const inFlight = all.filter((o) => o.at < sigtermAt && o.at + o.ms >= sigtermAt);
    const after = all.filter((o) => o.at >= sigtermAt);
    const violations = [
      ...inFlight
        .filter((o) => o.status === 0 || o.status >= 500)
        .map((o) => `in-flight request failed: ${o.status || o.error} ${o.code ?? ''}`),
      ...after.filter((o) => o.status >= 500).map((o) => `answered ${o.status} ${o.code ?? ''} while shutting down`),
      ...all.filter((o) => o.at < sigtermAt && o.status >= 500).map((o) => `${o.status} before SIGTERM`),
    ];
    const result = await reconcile(query, target.orgId, recorder.writes);
    const byError = LoadRecorder.byStatus(after);
    printFigures('SIGTERM', {
      'requests sent': all.length,
      'in flight at SIGTERM': inFlight.length,
      'in flight completed': inFlight.filter((o) => o.status > 0 && o.status < 500).length,
      'after SIGTERM': byError,
      exit: server.exit
        ? `code ${server.exit.code ?? server.exit.signal} after ${Math.round(server.exit.at - signalled)} ms`
        : 'did not exit',
      'writes reconciled': reconciled(result),
    });
    expect(violations).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(server.exit).toMatchObject({ code: 0, signal: null });
    expect(after.some((o) => o.error === 'ECONNREFUSED')).toBe(true);
  });
});
