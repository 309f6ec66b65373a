import { Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Authenticated, OrgId } from '../../src/common/auth/decorators';
import { IdempotencyService } from '../../src/common/idempotency/idempotency.service';
import { inOrg, memberOf, orgWithEveryRole, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/** A slow create that counts its runs and answers with Location and ETag, as a create may. */
let runs = 0;

@Controller('v1/orgs/:orgId/slow-things')
class SlowThingsController {
  @Post()
  @HttpCode(201)
  @Authenticated({ tenant: true, role: 'EDITOR' })
  async create(@OrgId() orgId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    runs++;
    void reply.header('Location', `/v1/orgs/${orgId}/slow-things/${runs}`).header('ETag', `"${runs}"`);
    return { run: runs };
  }
}

describe('Idempotency-Key on POST (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let variables: string;

  beforeAll(async () => {
    t = await createTestApp({ controllers: [SlowThingsController] });
    world = await orgWithEveryRole(t);
    variables = `/v1/orgs/${world.org.id}/variables`;
  });
  afterAll(() => t.close());

  const post = (path: string, user: TestUser, key: string | undefined, body: object) => {
    const req = t.http().post(path).set(user.auth);
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };
  const count = async (sql: string, params: unknown[]) =>
    (await t.asOwner((db) => db.query<{ n: number }>(sql, params))).rows[0]!.n;

  it('answers a retry with the first response, once written and once audited', async () => {
    const key = `create-${unique()}`;
    const body = { key: `v_${unique()}`, value: 'first' };
    const first = await post(variables, world.editor, key, body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await post(variables, world.editor, key, body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(first.headers.etag).toBe('"1"');
    expect(retry.headers.etag).toBe(first.headers.etag);
    expect(await count('SELECT count(*)::int AS n FROM variables WHERE key = $1', [body.key])).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM audit_logs WHERE "resourceId" = $1', [first.body.id])).toBe(1);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for another body, another path or another caller with the key', async () => {
    const key = unique();
    const body = { key: `v_${unique()}`, value: 'x' };
    await post(variables, world.editor, key, body).expect(201);
    const otherBody = await post(variables, world.editor, key, { ...body, value: 'y' }).expect(422);
    expect(otherBody.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(otherBody.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    const otherPath = await post(`/v1/orgs/${world.org.id}/invitations`, world.admin, key, {
      email: `${unique()}@example.test`,
      role: 'VIEWER',
    }).expect(422);
    expect(otherPath.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // A colleague with the same key does not get the first caller's response.
    const otherCaller = await post(variables, world.admin, key, body).expect(422);
    expect(otherCaller.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count('SELECT count(*)::int AS n FROM variables WHERE key = $1', [body.key])).toBe(1);
  });

  it('keeps one key space per organization: the same key in another org is another request', async () => {
    const key = unique();
    const body = { key: `v_${unique()}`, value: 'x' };
    await post(variables, world.editor, key, body).expect(201);
    const elsewhere = await post(`/v1/orgs/${world.otherOrg.id}/variables`, world.outsider, key, body).expect(201);
    expect(elsewhere.headers['idempotent-replayed']).toBeUndefined();
    expect(elsewhere.body.orgId).toBe(world.otherOrg.id);
  });

  it('keeps nothing of a failed request: a retry after a 400 or 409 runs', async () => {
    const key = unique();
    await post(variables, world.editor, key, { key: '1 bad' }).expect(400);
    const taken = `v_${unique()}`;
    await post(variables, world.editor, undefined, { key: taken, value: '1' }).expect(201);
    await post(variables, world.editor, key, { key: taken, value: '2' }).expect(409);
    const fixed = await post(variables, world.editor, key, { key: `v_${unique()}`, value: '3' }).expect(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('replays the one-time secret of a new API key, stored encrypted', async () => {
    const key = unique();
    const body = { name: `ci ${unique()}`, scopes: ['variables:read'] };
    const path = `/v1/orgs/${world.org.id}/api-keys`;
    const first = await post(path, world.admin, key, body).expect(201);
    const retry = await post(path, world.admin, key, body).expect(201);
    expect(retry.body.key).toBe(first.body.key);
    expect(await count('SELECT count(*)::int AS n FROM service_api_keys WHERE name = $1', [body.name])).toBe(1);
    const stored = await t.asOwner((db) =>
      db.query<{ encryptedResponse: string }>('SELECT "encryptedResponse" FROM idempotency_keys WHERE key = $1', [key]),
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.encryptedResponse).toMatch(/^v1\./);
    expect(stored.rows[0]!.encryptedResponse).not.toContain(first.body.key.slice(3, 20));
  });

  it('keys routes outside an organization by the user: one organization for two POST /v1/orgs', async () => {
    const user = await memberOf(t, world.org.id, 'VIEWER');
    const key = unique();
    const name = `Retry Org ${unique()}`;
    const first = await post('/v1/orgs', user, key, { name }).expect(201);
    const retry = await post('/v1/orgs', user, key, { name }).expect(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(await count('SELECT count(*)::int AS n FROM organizations WHERE name = $1', [name])).toBe(1);
    // Another user's key space is their own.
    await post('/v1/orgs', world.viewer, key, { name: `${name} too` }).expect(201);
  });

  it('makes a retry that arrives while the first is running wait for it, then replays status, body, Location and ETag', async () => {
    const before = runs;
    const key = unique();
    const path = `/v1/orgs/${world.org.id}/slow-things`;
    const [a, b] = await Promise.all([post(path, world.editor, key, {}), post(path, world.editor, key, {})]);
    expect(runs).toBe(before + 1);
    for (const res of [a, b]) {
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ run: before + 1 });
      expect(res.headers.location).toBe(`${path}/${before + 1}`);
      expect(res.headers.etag).toBe(`"${before + 1}"`);
    }
    expect([a, b].filter((res) => res.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
  });

  it('refuses malformed keys with 400 naming the header', async () => {
    for (const key of ['', 'x'.repeat(256), 'has space', '{"json":1}', 'semi;colon', 'a,b']) {
      const res = await post(variables, world.editor, key, { key: `v_${unique()}`, value: '1' });
      expect({ key, status: res.status }).toEqual({ key, status: 400 });
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'Idempotency-Key' }] });
    }
    await post(variables, world.editor, 'x'.repeat(255), { key: `v_${unique()}`, value: '1' }).expect(201);
    await post(variables, world.editor, '0b6c1e1e-7d5c-4e1a-9a0e-3c7f5e2b9a11:retry/1+=~._-', {
      key: `v_${unique()}`,
      value: '1',
    }).expect(201);
  });

  it('expires keys after 24 hours: then the key is free again, and the purge deletes them', async () => {
    const key = unique();
    const body = { key: `v_${unique()}`, value: 'x' };
    await post(variables, world.editor, key, body).expect(201);
    await t.asOwner((db) =>
      db.query(`UPDATE idempotency_keys SET "expiresAt" = now() - interval '1 second' WHERE key = $1`, [key]),
    );
    // Expired: the key runs again (here into the unique variable key: 409, and the key stays expired).
    await post(variables, world.editor, key, body).expect(409);
    const other = await post(variables, world.editor, key, { key: `v_${unique()}`, value: 'y' }).expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();

    const stale = unique();
    await post(variables, world.editor, stale, { key: `v_${unique()}`, value: 'z' }).expect(201);
    await t.asOwner((db) =>
      db.query(`UPDATE idempotency_keys SET "expiresAt" = now() - interval '1 second' WHERE key = $1`, [stale]),
    );
    expect(await t.app.get(IdempotencyService).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [stale])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1', [key])).toBe(1);
  });

  it('shows stored keys only in their own scope (row-level security)', async () => {
    const key = unique();
    await post(variables, world.editor, key, { key: `v_${unique()}`, value: 'x' }).expect(201);
    const seen = (orgId: string) => inOrg(t, orgId, (tx) => tx.idempotencyKey.count({ where: { key } }));
    expect(await seen(world.org.id)).toBe(1);
    expect(await seen(world.otherOrg.id)).toBe(0);
    expect(await t.prisma.idempotencyKey.count({ where: { key } })).toBe(0);
  });

  it('ignores the header on GET and on anonymous routes', async () => {
    await t.http().get(variables).set(world.editor.auth).set('Idempotency-Key', 'has space').expect(200);
    await t
      .http()
      .post('/v1/auth/login')
      .set('Idempotency-Key', unique())
      .send({ email: world.editor.email, password: world.editor.password })
      .expect(200);
  });

  it('documents the header and 422 on every authenticated POST of the OpenAPI document but those without a request transaction', async () => {
    const doc = (await t.http().get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { security?: unknown[]; parameters?: { name: string; in: string }[] }>>;
    };
    const posts = Object.entries(doc.paths).flatMap(([path, item]) => (item.post ? [{ path, op: item.post }] : []));
    const authenticated = posts.filter(({ op }) => op.security?.length);
    expect(authenticated.length).toBeGreaterThan(10);
    // Routes that wait on the network outside the request's transaction, where the key is kept, ignore it:
    // a chat reply's model call, a host check, a test of an SSH connection, provider key or git
    // provider, an upload's bytes arriving.
    const replies =
      /\/conversations\/\{conversationId\}\/(messages(\/\{messageId\}\/regenerate)?|attachments)$|\/hosts\/\{hostId\}\/check$|\/(connections\/\{connectionId\}|provider-keys\/\{keyId\}|git-providers\/\{providerId\})\/test$/;
    for (const { path, op } of authenticated) {
      expect({ path, header: op.parameters?.some((p) => p.name === 'Idempotency-Key' && p.in === 'header') }).toEqual({
        path,
        header: !replies.test(path),
      });
    }
    expect(doc.paths['/v1/orgs/{orgId}/variables']!.post).toMatchObject({
      responses: { '422': { description: expect.stringContaining('IDEMPOTENCY_KEY_REUSED') } },
    });
    expect(doc.paths['/v1/orgs/{orgId}/variables']!.get!.parameters!.map((p) => p.name)).not.toContain(
      'Idempotency-Key',
    );
  });
});
