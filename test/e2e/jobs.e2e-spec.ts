import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DbContext } from '../../src/database/db-context';
import { JobsService } from '../../src/jobs/jobs.service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTestApp, type TestApp } from '../support/test-app';

const embedded = !process.env.DATABASE_URL;

/** What the test queues' handlers saw, by app (process-wide: jest runs one file per module registry). */
const seen: { app: string; n: number; try: number }[] = [];

@Injectable()
class TestQueues implements OnModuleInit {
  static label = 'a';
  constructor(private readonly jobs: JobsService) {}

  onModuleInit(): void {
    const app = TestQueues.label;
    this.jobs.register<{ n: number }>('test-echo', async (data, job) => {
      seen.push({ app, n: data.n, try: job.retryCount });
      await sleep(20);
    });
    this.jobs.register<{ n: number }>(
      'test-flaky',
      async (data, job) => {
        seen.push({ app, n: data.n, try: job.retryCount });
        if (job.retryCount === 0) throw new Error('first try fails');
      },
      { retryDelaySeconds: 0, retryBackoff: false },
    );
  }
}

@Module({ providers: [TestQueues] })
class TestQueuesModule {}

const FAST = { JOBS_POLL_INTERVAL_MS: '500', JOBS_SHUTDOWN_GRACE_MS: '500' };

async function until<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > end) return value;
    await sleep(50);
  }
}

describe('background jobs (pg-boss) on the app database (e2e)', () => {
  let t: TestApp;
  let jobs: JobsService;
  let db: DbContext;

  beforeAll(async () => {
    TestQueues.label = 'a';
    t = await createTestApp({ imports: [TestQueuesModule], env: FAST });
    jobs = t.app.get(JobsService);
    db = t.app.get(DbContext);
  });
  afterAll(() => t.close());
  beforeEach(() => void (seen.length = 0));

  it('runs a job sent outside a transaction, with its data', async () => {
    await jobs.send('test-echo', { n: 1 });
    const got = await until(
      () => seen.slice(),
      (s) => s.length > 0,
    );
    expect(got).toEqual([{ app: 'a', n: 1, try: 0 }]);
  });

  it('sends a job queued in a transaction once it commits, and never when it rolls back', async () => {
    await db.run({}, async () => {
      await jobs.send('test-echo', { n: 2 });
      // Not queued yet: the transaction is open (on PGlite the send could not even run now).
      expect(seen).toEqual([]);
    });
    await expect(
      db.run({}, async () => {
        await jobs.send('test-echo', { n: 3 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await until(
      () => seen.length,
      (n) => n > 0,
    );
    await sleep(1200);
    expect(seen.map((s) => s.n)).toEqual([2]);
  });

  it('queues a job id once, however often it is sent', async () => {
    const id = '0190aaaa-0000-7000-8000-000000000001';
    await jobs.send('test-echo', { n: 4 }, { id });
    await jobs.send('test-echo', { n: 4 }, { id });
    await until(
      () => seen.length,
      (n) => n > 0,
    );
    await sleep(1200);
    expect(seen.map((s) => s.n)).toEqual([4]);
    expect(await jobs.state('test-echo', id)).toBe('completed');
  });

  it('tries a job again when its handler throws', async () => {
    await jobs.send('test-flaky', { n: 5 });
    const got = await until(
      () => seen.slice(),
      (s) => s.length >= 2,
    );
    expect(got).toEqual([
      { app: 'a', n: 5, try: 0 },
      { app: 'a', n: 5, try: 1 },
    ]);
  });

  it("keeps the queue's tables away from the app role", async () => {
    const { rows } = await t.asOwner((s) =>
      s.query<{ usage: boolean; tables: number; readable: number }>(`
        SELECT has_schema_privilege('orgbase_app', 'pgboss', 'USAGE') AS usage,
          count(*)::int AS tables,
          count(*) FILTER (WHERE has_table_privilege('orgbase_app', c.oid, 'SELECT'))::int AS readable
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'pgboss' AND c.relkind IN ('r', 'p', 'v', 'm')`),
    );
    expect(rows[0]!.usage).toBe(false);
    expect(rows[0]!.tables).toBeGreaterThan(3);
    expect(rows[0]!.readable).toBe(0);
    // And the app's own connection (the app role) is refused.
    await expect(t.prisma.$queryRawUnsafe('SELECT count(*) FROM pgboss.job')).rejects.toThrow();
  });

  const onPglite = embedded ? it : it.skip;

  onPglite(
    'never runs a queue statement inside an open Prisma transaction, and gives the app role back (PGlite)',
    async () => {
      const sql = t.prisma.connection.jobsSql();
      const who = `SELECT current_user AS role, current_setting('app.org_id', true) AS org, now()::text AS at`;
      let settled = false;
      let queued: Promise<{ rows: unknown[] }> | undefined;
      const inside = await db.run({ orgId: '0190aaaa-0000-7000-8000-0000000000ff' }, async () => {
        queued = sql.executeSql(`${who} WHERE $1::int = 1`, [1]);
        void queued.then(() => (settled = true));
        await sleep(300);
        // The queue statement waits for the transaction's mutex: it has not run, and cannot see this scope.
        expect(settled).toBe(false);
        const [row] = await db.client.$queryRawUnsafe<{ role: string; org: string; at: string }[]>(who);
        return row!;
      });
      expect(inside.role).toBe('orgbase_app');
      const [after] = (await queued!).rows as { role: string; org: string; at: string }[];
      // It ran after the commit (a later transaction), as the owner, with none of the request's settings.
      expect(after!.role).toBe('postgres');
      expect(after!.org ?? '').toBe('');
      expect(after!.at > inside.at).toBe(true);
      // The app's connection is the app role again, and outside any transaction.
      const [bare] = await t.prisma.$queryRawUnsafe<{ role: string }[]>('SELECT current_user AS role');
      expect(bare!.role).toBe('orgbase_app');
      // A failing statement (with parameters, and a script of several) changes nothing either.
      await expect(sql.executeSql('SELECT 1/$1::int', [0])).rejects.toThrow(/division by zero/);
      await expect(sql.executeSql('BEGIN; SELECT 1/0; COMMIT;')).rejects.toThrow(/division by zero/);
      // Outside a transaction block a local setting ends with its statement: none is left open.
      await t.prisma.$queryRawUnsafe(`SELECT set_config('app.probe', 'open', true)`);
      const [again] = await t.prisma.$queryRawUnsafe<{ role: string; probe: string | null }[]>(
        `SELECT current_user AS role, current_setting('app.probe', true) AS probe`,
      );
      expect({ ...again, probe: again!.probe || '' }).toEqual({ role: 'orgbase_app', probe: '' });
      // pg-boss's own locked scripts (BEGIN … COMMIT inside our transaction) run and leave the role as it was.
      await sql.executeSql(`BEGIN; SELECT pg_advisory_xact_lock(42); SELECT 1; COMMIT;`);
      const [last] = await t.prisma.$queryRawUnsafe<{ role: string }[]>('SELECT current_user AS role');
      expect(last!.role).toBe('orgbase_app');
    },
  );

  onPglite('lets requests and jobs interleave without deadlock (PGlite)', async () => {
    const sends = Array.from({ length: 10 }, (_, n) =>
      db.run({}, async () => {
        await db.client.$queryRawUnsafe('SELECT 1');
        await jobs.send('test-echo', { n: 100 + n });
        await db.client.$queryRawUnsafe('SELECT 2');
      }),
    );
    await Promise.all(sends);
    const got = await until(
      () => seen.length,
      (n) => n >= 10,
    );
    expect(got).toBe(10);
  });
});

const onPostgres = embedded ? describe.skip : describe;

onPostgres('background jobs shared by two instances (e2e, PostgreSQL)', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    TestQueues.label = 'a';
    a = await createTestApp({ imports: [TestQueuesModule], env: FAST, database });
    TestQueues.label = 'b';
    b = await createTestApp({ imports: [TestQueuesModule], env: FAST, database });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });

  it('runs each job once across instances', async () => {
    seen.length = 0;
    const ja = a.app.get(JobsService);
    const jb = b.app.get(JobsService);
    await Promise.all(Array.from({ length: 30 }, (_, n) => (n % 2 ? ja : jb).send('test-echo', { n })));
    await until(
      () => seen.length,
      (n) => n >= 30,
    );
    await sleep(1000);
    expect(seen.map((s) => s.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    // Both instances took part.
    expect(new Set(seen.map((s) => s.app))).toEqual(new Set(['a', 'b']));
  });
});

onPostgres('background jobs when instances start together (e2e, PostgreSQL)', () => {
  it('starts every instance on a fresh database, whichever creates the queues', async () => {
    // Instances racing in pgboss.create_queue once deadlocked each other at start (scale-out CI).
    for (let round = 0; round < 3; round++) {
      const database = await createTestDatabase();
      const apps = await Promise.allSettled(
        Array.from({ length: 3 }, () => createTestApp({ imports: [TestQueuesModule], env: FAST, database })),
      );
      await Promise.all(apps.map((app) => (app.status === 'fulfilled' ? app.value.close() : undefined)));
      await database.drop();
      expect(apps.map((app) => (app.status === 'fulfilled' ? 'started' : String(app.reason)))).toEqual([
        'started',
        'started',
        'started',
      ]);
    }
  });
});
