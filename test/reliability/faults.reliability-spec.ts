import {
  createTestDatabase,
  preparePostgresTemplate,
  TEMPLATE_DATABASE,
  withDatabase,
  type TestDatabase,
} from '../support/database';
import { proxyFor, type TcpProxy } from '../support/tcp-proxy';
import { createTestApp, type TestApp } from '../support/test-app';
import { printFigures } from './support/findings';
import { closeAgents } from './support/http-client';
import type { LoadTarget } from './support/load';
import { HIGH_LIMITS_ENV, loadTarget, verifyAuditChain } from './support/load-target';
import { judgeOutage, killSessions, underLoad, type OutageRun } from './support/outage';
import { LocalCluster, postgresBinaries } from './support/postgres-cluster';
import { reconcile, reconciled } from './support/reconcile';

const CONNECT_TIMEOUT_MS = 1000;
/** No answer may take longer than the connect timeout plus this much (a loaded CI machine included). */
const SLACK_MS = Number(process.env.RELIABILITY_SLACK_MS ?? 5000);
const CLIENTS = 20;
const APP_ENV = {
  ...HIGH_LIMITS_ENV,
  DATABASE_POOL_MAX: '10',
  DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
};

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) {
  process.stdout.write(
    '\n[reliability] faults: skipped — DATABASE_URL is not set (these faults need a real PostgreSQL)\n',
  );
}

/** The checks every fault shares: outage costs only 503s, the server recovers, every write reconciles. */
async function judge(
  part: string,
  t: TestApp,
  target: LoadTarget,
  run: OutageRun,
  extra: Record<string, string | number> = {},
) {
  // Killed sessions are replaced at once: /health/ready may never catch the database away.
  const readyTurns503 = part !== 'pg_terminate_backend';
  const outage = judgeOutage(run, CONNECT_TIMEOUT_MS + SLACK_MS, readyTurns503);
  const query = (sql: string, params: unknown[]) =>
    t.asOwner(async (db) => (await db.query(sql, params)).rows as Record<string, unknown>[]);
  const result = await reconcile(query, target.orgId, run.recorder.writes);
  const chain = await verifyAuditChain(target);
  printFigures(part, {
    ...outage.figures,
    ...extra,
    'writes reconciled': reconciled(result),
    'audit entries': result.auditEntries,
    'audit chain': chain.valid ? 'valid' : 'INVALID',
  });
  expect([...outage.violations, ...result.violations]).toEqual([]);
  expect(chain.valid).toBe(true);
}

/**
 * Part 3: PostgreSQL goes away under load — cut behind a loopback proxy, its sessions killed with
 * pg_terminate_backend, and a cluster of the test's own really stopped and started. Requests fail
 * fast with 503 UNAVAILABLE, /health/ready follows, the server recovers without a restart, and no
 * write is partial.
 */
onPostgres('database faults under load (reliability, PostgreSQL)', () => {
  describe('through a loopback proxy', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let t: TestApp;
    let base: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      const proxied = await proxyFor(database.url!);
      proxy = proxied.proxy;
      t = await createTestApp({ env: { ...APP_ENV, DATABASE_URL: proxied.url } });
      await t.app.listen(0, '127.0.0.1');
      base = await t.app.getUrl();
    });
    afterAll(async () => {
      closeAgents();
      await proxy?.restore();
      await t?.close();
      await proxy?.cut();
      await database?.drop();
    });

    it('the database cut for 4 s under load costs 503s only, and nothing written is lost or partial', async () => {
      const target = await loadTarget(t, base);
      const run = await underLoad(
        target,
        { clients: CLIENTS, durationMs: 11_000 },
        {
          fromMs: 3000,
          toMs: 7000,
          begin: () => proxy.cut(),
          end: () => proxy.restore(),
        },
      );
      await judge('proxy cut', t, target, run);
    });

    it('sessions killed with pg_terminate_backend mid-transaction cost 503s only, and nothing is partial', async () => {
      const target = await loadTarget(t, base);
      const fault = killSessions(database.url!, 2000, 6000);
      const run = await underLoad(target, { clients: CLIENTS, durationMs: 9000 }, fault);
      await judge('pg_terminate_backend', t, target, run, { 'sessions killed': fault.killed() });
    });
  });

  const bin = postgresBinaries();
  if (!bin)
    process.stdout.write('\n[reliability] pg_ctl stop: skipped — no PostgreSQL binaries under /usr/lib/postgresql\n');
  (bin ? describe : describe.skip)('a PostgreSQL cluster of its own, really stopped and started', () => {
    let cluster: LocalCluster;
    let t: TestApp;
    let target: LoadTarget;

    beforeAll(async () => {
      cluster = await LocalCluster.create(bin!);
      await preparePostgresTemplate(cluster.url());
      t = await createTestApp({ env: { ...APP_ENV, DATABASE_URL: withDatabase(cluster.url(), TEMPLATE_DATABASE) } });
      await t.app.listen(0, '127.0.0.1');
      target = await loadTarget(t, await t.app.getUrl());
    });
    afterAll(async () => {
      closeAgents();
      await t?.close();
      await cluster?.destroy();
    });

    it('pg_ctl stop -m fast for 4 s under load costs 503s only, and the server recovers by itself', async () => {
      const run = await underLoad(
        target,
        { clients: CLIENTS, durationMs: 12_000 },
        {
          fromMs: 3000,
          toMs: 7000,
          begin: () => cluster.stop('fast'),
          end: () => cluster.start(),
        },
      );
      await judge('pg_ctl stop', t, target, run);
    });
  });
});
