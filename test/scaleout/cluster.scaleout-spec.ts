import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { closeAgents } from '../reliability/support/http-client';
import { ensureBuilt, ServerProcess } from '../reliability/support/server-process';
import { call, register, someIp } from './support/http';
import { serverEnv } from './support/pair';
import { scaleoutMissing } from './support/services';

const withPostgres = process.env.DATABASE_URL && !scaleoutMissing() ? describe : describe.skip;

/** The pids that wrote "request completed" lines since `from` in the server's output. */
function servingPids(output: string, from = 0): Set<number> {
  const pids = output
    .slice(from)
    .split('\n')
    .filter((line) => line.includes('"request completed"'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
  return new Set(pids);
}

/** The parent of a live process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command may hold spaces and parentheses: the fields after the last ")" are fixed.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends requests until `count` workers have served one (cluster's round robin spreads them; a
 * worker still starting gets none yet), for up to about 20 s.
 */
async function requestsServedBy(server: ServerProcess, count: number): Promise<Set<number>> {
  const from = server.output.length;
  for (let i = 0; i < 100; i++) {
    await call(server.base, 'GET', '/v1/orgs');
    const pids = servingPids(server.output, from);
    if (pids.size >= count) return pids;
    await sleep(200);
  }
  return servingPids(server.output, from);
}

/**
 * WEB_CONCURRENCY=2 on PostgreSQL: the built server runs as a primary and two workers (node:cluster)
 * that share the port; the primary restarts a worker that dies; SIGTERM stops both gracefully.
 */
withPostgres('WEB_CONCURRENCY: workers of one server (scale-out, PostgreSQL)', () => {
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await ServerProcess.start(
      serverEnv({
        DATABASE_URL: database.url!,
        WEB_CONCURRENCY: '2',
        // One request line per request, each with the pid of the worker that served it.
        LOG_LEVEL: 'info',
        BCRYPT_COST: '11',
        SHUTDOWN_TIMEOUT_MS: '10000',
      }),
    );
  });
  afterAll(async () => {
    closeAgents();
    await server?.stop();
    await database?.drop();
  });

  it('serves from two worker processes, both children of the primary, which serves nothing', async () => {
    const pids = await requestsServedBy(server, 2);
    expect(pids.size).toBe(2);
    expect(pids.has(server.pid)).toBe(false);
    expect([...pids].map(parentOf)).toEqual([server.pid, server.pid]);
  });

  it('restarts a worker that dies, and a token from one worker is good on the other', async () => {
    const { accessToken } = await register(server.base);
    const [victim] = await requestsServedBy(server, 2);
    process.kill(victim!, 'SIGKILL');
    // The primary's line comes after the last the victim wrote (one pipe): from then on, no more of its.
    const died = `Worker ${victim} exited unexpectedly (SIGKILL)`;
    for (let i = 0; i < 100 && !server.output.includes(died); i++) await sleep(100);
    expect(server.output).toContain(died);
    // Another worker takes its place (after 1 s): two serve again, and the dead one is not among them.
    const pids = await requestsServedBy(server, 2);
    expect({ size: pids.size, victimServes: pids.has(victim!) }).toEqual({ size: 2, victimServes: false });
    // The workers share the secrets the primary resolved: every worker accepts the token.
    for (let i = 0; i < 6; i++)
      expect((await call(server.base, 'GET', '/v1/auth/sessions', { token: accessToken })).status).toBe(200);
  });

  it('SIGTERM: each worker finishes its in-flight requests and shuts down, then the primary exits 0', async () => {
    const workers = [...(await requestsServedBy(server, 2))];
    // Connections opened first, so that the registrations below reach their worker at once.
    await Promise.all(Array.from({ length: 16 }, () => call(server.base, 'GET', '/health/live', { keepAlive: true })));
    // Registrations take a while (bcrypt cost 11): they are still in flight when SIGTERM comes.
    const inFlight = Array.from({ length: 16 }, () =>
      call(server.base, 'POST', '/v1/auth/register', {
        body: { email: `late-${randomBytes(4).toString('hex')}@example.test`, password: 'long enough', name: 'L' },
        ip: someIp(),
        keepAlive: true,
      }),
    );
    const sent = performance.now();
    await sleep(200);
    const signalled = performance.now() - sent;
    server.signal('SIGTERM');
    const answers = await Promise.all(inFlight);
    // Some answers came after SIGTERM: the test saw requests in flight, not a finished batch.
    expect(answers.filter((res) => res.ms > signalled).length).toBeGreaterThan(0);
    await server.exited;

    const failed = answers.filter((res) => res.status !== 201);
    expect(failed.map((res) => `${res.status} ${res.error ?? res.text.slice(0, 300)}`)).toEqual([]);
    expect(server.exit).toMatchObject({ code: 0, signal: null });
    const log = server.output.split('\n').filter((line) => line.startsWith('{'));
    const said = (pid: number, msg: string) => log.some((line) => line.includes(`"pid":${pid},`) && line.includes(msg));
    for (const pid of workers) {
      expect({ pid, graceful: said(pid, 'SIGTERM received, finishing in-flight requests') }).toEqual({
        pid,
        graceful: true,
      });
      expect({ pid, complete: said(pid, 'Shutdown complete') }).toEqual({ pid, complete: true });
      expect(isRunning(pid)).toBe(false);
    }
    expect(said(server.pid, 'All workers stopped')).toBe(true);
  });
});

describe('WEB_CONCURRENCY on the embedded database (scale-out)', () => {
  beforeAll(() => ensureBuilt());

  it('is refused at start with one line naming the variable: PGlite is one process', () => {
    const main = join(__dirname, '..', '..', 'dist', 'main.js');
    const run = spawnSync(process.execPath, [main], {
      env: { PATH: process.env.PATH, WEB_CONCURRENCY: '2', DATA_DIR: 'memory://' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({
      status: 1,
      stderr:
        'Invalid environment variable WEB_CONCURRENCY: must be 1 on the embedded database (PGlite is one process); set DATABASE_URL for more workers',
    });
  });
});
