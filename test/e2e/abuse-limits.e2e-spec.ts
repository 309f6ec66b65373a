import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { Authenticated, OrgId } from '../../src/common/auth/decorators';
import { RequestTimeout } from '../../src/common/http/request-timeout';
import { DbContext } from '../../src/database/db-context';
import { createOrg, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const onPostgres = process.env.DATABASE_URL ? it : it.skip;

/** Handlers that write a variable in the request's transaction, then take their time. */
@Controller('v1/orgs/:orgId/slow')
class SlowController {
  constructor(private readonly db: DbContext) {}

  private write(orgId: string, key: string) {
    return this.db.client.variable.create({ data: { orgId, key, value: 'written before the deadline' } });
  }

  /** REQUEST_TIMEOUT_MS applies (2 s in this test). */
  @Post('default/:key')
  @HttpCode(201)
  @Authenticated({ tenant: true, role: 'EDITOR' })
  async byDefault(@OrgId() orgId: string, @Param('key') key: string) {
    await this.write(orgId, key);
    await sleep(3_000);
    return { done: true };
  }

  @Post('short/:key')
  @HttpCode(201)
  @RequestTimeout(300)
  @Authenticated({ tenant: true, role: 'EDITOR' })
  async short(@OrgId() orgId: string, @Param('key') key: string) {
    await this.write(orgId, key);
    await sleep(1_000);
    return { done: true };
  }

  /** A statement still running at the deadline: statement_timeout cancels it, the rollback is not held up. */
  @Post('slow-sql/:key')
  @HttpCode(201)
  @RequestTimeout(300)
  @Authenticated({ tenant: true, role: 'EDITOR' })
  async slowSql(@OrgId() orgId: string, @Param('key') key: string) {
    await this.write(orgId, key);
    await this.db.client.$executeRaw`SELECT pg_sleep(10)`;
    return { done: true };
  }

  /** Longer than REQUEST_TIMEOUT_MS, within its own limit. */
  @Post('patient/:key')
  @HttpCode(201)
  @RequestTimeout(8_000)
  @Authenticated({ tenant: true, role: 'EDITOR' })
  async patient(@OrgId() orgId: string, @Param('key') key: string) {
    await this.write(orgId, key);
    await sleep(2_500);
    return { done: true };
  }
}

/** Abuse limits: a time limit per route, the largest page and the largest body. */
describe('abuse limits (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [SlowController],
      env: { REQUEST_TIMEOUT_MS: '2000', BODY_LIMIT_BYTES: '65536' },
    });
    owner = await signUp(t);
    orgId = (await createOrg(t, owner)).id;
    await t.asOwner((db) => db.query(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1`, [owner.id]));
  });
  afterAll(() => t.close());

  const variables = async (key: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM variables WHERE "orgId" = $1 AND key = $2', [
          orgId,
          key,
        ]),
      )
    ).rows[0]!.n;

  /** Posts to a slow route; returns the answer and how long it took. */
  async function timed(route: string, key: string) {
    const started = Date.now();
    const res = await t.http().post(`/v1/orgs/${orgId}/slow/${route}/${key}`).set(owner.auth);
    return { res, ms: Date.now() - started };
  }

  function expectTimeout(res: { status: number; headers: Record<string, string>; body: unknown }) {
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 503, code: 'REQUEST_TIMEOUT' });
  }

  describe('request timeout', () => {
    it('answers a handler slower than its @RequestTimeout with 503 REQUEST_TIMEOUT and keeps nothing it wrote', async () => {
      const key = `short_${unique()}`;
      const { res, ms } = await timed('short', key);
      expectTimeout(res);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(900);
      // The handler is still sleeping: wait until it would have returned, then look.
      await sleep(1_000);
      expect(await variables(key)).toBe(0);
    });

    it('applies REQUEST_TIMEOUT_MS to routes without their own limit', async () => {
      const key = `default_${unique()}`;
      const { res, ms } = await timed('default', key);
      expectTimeout(res);
      expect(ms).toBeGreaterThanOrEqual(1_990);
      expect(ms).toBeLessThan(2_900);
      await sleep(1_200);
      expect(await variables(key)).toBe(0);
    });

    it('lets a route with a longer @RequestTimeout finish, and keeps what it wrote', async () => {
      const key = `patient_${unique()}`;
      const { res } = await timed('patient', key);
      expect(res.status).toBe(201);
      expect(await variables(key)).toBe(1);
    });

    onPostgres(
      'cancels a statement still running at the deadline, so the answer and the rollback come at once',
      async () => {
        const key = `sql_${unique()}`;
        const { res, ms } = await timed('slow-sql', key);
        expectTimeout(res);
        expect(ms).toBeLessThan(1_500);
        expect(await variables(key)).toBe(0);
        // The statement was cancelled, not left running on a connection of the pool.
        const running = await t.asOwner((db) =>
          db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE state = 'active' AND query LIKE '%pg_sleep(10)%' AND pid <> pg_backend_pid()`,
          ),
        );
        expect(running.rows[0]!.n).toBe(0);
        // The connection is free again: the pool serves the next requests at once.
        const started = Date.now();
        await Promise.all(
          Array.from({ length: 6 }, () => t.http().get(`/v1/orgs/${orgId}/variables`).set(owner.auth).expect(200)),
        );
        expect(Date.now() - started).toBeLessThan(1_500);
      },
    );
  });

  describe('page size', () => {
    it('refuses limit > 100 (and < 1) with 400 on every list of the OpenAPI document, and serves limit=100', async () => {
      const doc = (await t.http().get('/docs/openapi.json').expect(200)).body as {
        paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
      };
      const lists = Object.entries(doc.paths)
        .filter(([, item]) => item.get?.parameters?.some((p) => p.name === 'limit' && p.in === 'query'))
        .map(([path]) => path);
      expect(lists.length).toBeGreaterThanOrEqual(8);
      for (const path of lists) {
        const url = path.replace('{orgId}', orgId).replace(/\{\w+\}/g, owner.id);
        for (const limit of ['101', '0', '1000000', '-1']) {
          const res = await t.http().get(url).query({ limit }).set(owner.auth);
          expect({ path, limit, status: res.status, code: res.body.code }).toEqual({
            path,
            limit,
            status: 400,
            code: 'VALIDATION_FAILED',
          });
        }
        const full = await t.http().get(url).query({ limit: '100' }).set(owner.auth);
        // A list under another resource (a prompt's versions) has no parent with the made-up id: 404.
        const nested = /\{(?!orgId\})\w+\}/.test(path);
        const served = full.status === 200 || (nested && full.body.code === 'NOT_FOUND');
        expect({ path, status: full.status, served }).toEqual({ path, status: full.status, served: true });
      }
    });
  });

  describe('body size', () => {
    it('refuses a body over BODY_LIMIT_BYTES with 413 PAYLOAD_TOO_LARGE before any handler runs', async () => {
      const key = `big_${unique()}`;
      const res = await t
        .http()
        .post(`/v1/orgs/${orgId}/variables`)
        .set(owner.auth)
        .set('Idempotency-Key', unique())
        .send({ key, value: 'x'.repeat(70_000) });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await variables(key)).toBe(0);
      // Just under the limit the body is read, and validation answers (value is at most 10,000 characters).
      const under = await t
        .http()
        .post(`/v1/orgs/${orgId}/variables`)
        .set(owner.auth)
        .send({ key, value: 'x'.repeat(60_000) });
      expect(under.status).toBe(400);
      expect(under.body.code).toBe('VALIDATION_FAILED');
    });
  });
});
