import { sha256 } from '../../src/common/crypto/tokens';
import { uuidv7 } from '../../src/database/prisma.service';
import { createOrg, inOrg, orgWithEveryRole, signUp } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('service API keys (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    // Room for every key this file makes; the FREE limit has its own org below.
    await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'ENTERPRISE' WHERE id = $1`, [world.org.id]));
    base = `/v1/orgs/${world.org.id}/api-keys`;
  });
  afterAll(() => t.close());

  const createKey = (body: Record<string, unknown>, orgBase = base, auth = world.admin.auth) =>
    t.http().post(orgBase).set(auth).send(body);
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const keyRow = (orgId: string, id: string) =>
    t.asOwner((db) => db.query('SELECT * FROM service_api_keys WHERE id = $1 AND "orgId" = $2', [id, orgId]));

  describe('POST /v1/orgs/{orgId}/api-keys', () => {
    it('creates a key shown once, stores only its hash and prefix, and audits without secrets', async () => {
      const res = await createKey({ name: 'CI', scopes: ['variables:read'], rateLimitPerMinute: 50 }).expect(201);
      expect(res.body).toMatchObject({
        name: 'CI',
        scopes: ['variables:read'],
        rateLimitPerMinute: 50,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        createdByUserId: world.admin.id,
      });
      expect(res.body.key).toMatch(/^ob_[A-Za-z0-9_-]{43}$/);
      expect(res.body.prefix).toBe(res.body.key.slice(0, 11));
      expect(res.body.keyHash).toBeUndefined();

      const row = (await keyRow(world.org.id, res.body.id)).rows[0];
      expect(row.keyHash).toBe(sha256(res.body.key));
      expect(JSON.stringify(row)).not.toContain(res.body.key);

      const audit = await t.asOwner((db) =>
        db.query('SELECT action, "actorId", after::text AS after FROM audit_logs WHERE "resourceId" = $1', [
          res.body.id,
        ]),
      );
      expect(audit.rows).toEqual([{ action: 'api_key.created', actorId: world.admin.id, after: expect.any(String) }]);
      expect(audit.rows[0].after).not.toContain(res.body.key);
      expect(audit.rows[0].after).not.toContain(row.keyHash);
    });

    it('rejects invalid bodies: unknown scope, empty scopes, past expiry, bad limit, extra fields', async () => {
      const bad = [
        { name: 'x', scopes: ['prompts:admin'] },
        { name: 'x', scopes: ['nothing:read'] },
        { name: 'x', scopes: [] },
        { name: '', scopes: ['variables:read'] },
        { name: 'x', scopes: ['variables:read'], expiresAt: new Date(Date.now() - 60_000).toISOString() },
        { name: 'x', scopes: ['variables:read'], expiresAt: 'tomorrow' },
        { name: 'x', scopes: ['variables:read'], rateLimitPerMinute: 0 },
        { name: 'x', scopes: ['variables:read'], rateLimitPerMinute: 100001 },
        { name: 'x', scopes: ['variables:read'], extra: 1 },
        { name: 'x', scopes: Array.from({ length: 51 }, () => 'variables:read') },
      ];
      for (const body of bad) {
        const res = await createKey(body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
    });

    it('401 anonymous, 403 EDITOR, 404 non-member', async () => {
      await t
        .http()
        .post(base)
        .send({ name: 'x', scopes: ['variables:read'] })
        .expect(401);
      await createKey({ name: 'x', scopes: ['variables:read'] }, base, world.editor.auth).expect(403);
      await createKey({ name: 'x', scopes: ['variables:read'] }, base, world.outsider.auth).expect(404);
    });

    it('enforces the FREE plan limit of 2 active keys; revoking frees a slot', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}/api-keys`;
      const first = await createKey({ name: 'a', scopes: ['variables:read'] }, orgBase, owner.auth).expect(201);
      await createKey({ name: 'b', scopes: ['variables:read'] }, orgBase, owner.auth).expect(201);
      const res = await createKey({ name: 'c', scopes: ['variables:read'] }, orgBase, owner.auth).expect(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      await t.http().delete(`${orgBase}/${first.body.id}`).set(owner.auth).expect(204);
      await createKey({ name: 'c', scopes: ['variables:read'] }, orgBase, owner.auth).expect(201);
    });
  });

  describe('GET /v1/orgs/{orgId}/api-keys', () => {
    it('lists masked keys newest first with cursor paging', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner, { tier: 'PRO' });
      const orgBase = `/v1/orgs/${org.id}/api-keys`;
      for (const name of ['k1', 'k2', 'k3'])
        await createKey({ name, scopes: ['variables:read'] }, orgBase, owner.auth).expect(201);
      const first = await t.http().get(`${orgBase}?limit=2`).set(owner.auth).expect(200);
      expect(first.body.data.map((k: { name: string }) => k.name)).toEqual(['k3', 'k2']);
      for (const key of first.body.data) {
        expect(key.key).toBeUndefined();
        expect(key.keyHash).toBeUndefined();
        expect(key.prefix).toMatch(/^ob_.{8}$/);
      }
      const second = await t.http().get(`${orgBase}?limit=2&cursor=${first.body.nextCursor}`).set(owner.auth);
      expect(second.body).toEqual({ data: [expect.objectContaining({ name: 'k1' })], nextCursor: null });
    });

    it('pages through keys made at the same instant without losing or repeating one (id breaks ties)', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const createdAt = new Date('2026-01-01T00:00:00.000Z');
      const ids = Array.from({ length: 5 }, () => uuidv7());
      await inOrg(t, org.id, (tx) =>
        tx.serviceApiKey.createMany({
          data: ids.map((id, i) => ({
            id,
            orgId: org.id,
            name: `tie${i}`,
            prefix: `ob_tie${i}`,
            keyHash: id,
            createdAt,
          })),
        }),
      );
      const seen: string[] = [];
      let cursor = '';
      do {
        const page = await t
          .http()
          .get(`/v1/orgs/${org.id}/api-keys?limit=2&cursor=${cursor}`)
          .set(owner.auth)
          .expect(200);
        seen.push(...page.body.data.map((key: { id: string }) => key.id));
        cursor = page.body.nextCursor ?? '';
      } while (cursor);
      expect(seen).toEqual([...ids].sort().reverse());
    });

    it('400 bad cursor, 401, 403 EDITOR, 404 non-member', async () => {
      await t.http().get(`${base}?cursor=nope`).set(world.admin.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.editor.auth).expect(403);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });
  });

  describe('DELETE /v1/orgs/{orgId}/api-keys/{apiKeyId}', () => {
    it('revokes once (then 404), audits it, and the key stops working at once', async () => {
      const created = await createKey({ name: 'rev', scopes: ['variables:read'] }).expect(201);
      await t.http().get(`/v1/orgs/${world.org.id}/variables`).set(bearer(created.body.key)).expect(200);
      await t.http().delete(`${base}/${created.body.id}`).set(world.admin.auth).expect(204);
      expect((await keyRow(world.org.id, created.body.id)).rows[0].revokedAt).toBeInstanceOf(Date);
      const audit = await t.asOwner((db) =>
        db.query('SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq', [created.body.id]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['api_key.created', 'api_key.revoked']);
      await t.http().delete(`${base}/${created.body.id}`).set(world.admin.auth).expect(404);
      const res = await t.http().get(`/v1/orgs/${world.org.id}/variables`).set(bearer(created.body.key)).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it("401, 403 EDITOR, 404 for another org's key and a non-UUID", async () => {
      const created = await createKey({ name: 'keep', scopes: ['variables:read'] }).expect(201);
      await t.http().delete(`${base}/${created.body.id}`).expect(401);
      await t.http().delete(`${base}/${created.body.id}`).set(world.editor.auth).expect(403);
      await t.http().delete(`${base}/${created.body.id}`).set(world.outsider.auth).expect(404);
      await t
        .http()
        .delete(`/v1/orgs/${world.otherOrg.id}/api-keys/${created.body.id}`)
        .set(world.outsider.auth)
        .expect(404);
      await t.http().delete(`${base}/not-a-uuid`).set(world.admin.auth).expect(404);
      expect((await keyRow(world.org.id, created.body.id)).rows[0].revokedAt).toBeNull();
    });
  });

  describe('authenticating with a key', () => {
    it('reads with :read, needs :write to create, records lastUsedAt', async () => {
      const reader = await createKey({ name: 'reader', scopes: ['variables:read'] }).expect(201);
      const vars = `/v1/orgs/${world.org.id}/variables`;
      await t.http().post(vars).set(world.editor.auth).send({ key: 'k_seen', value: 'v' }).expect(201);
      const list = await t.http().get(vars).set(bearer(reader.body.key)).expect(200);
      expect(list.body.data.map((v: { key: string }) => v.key)).toContain('k_seen');
      const denied = await t.http().post(vars).set(bearer(reader.body.key)).send({ key: 'x', value: 'y' }).expect(403);
      expect(denied.body.code).toBe('FORBIDDEN');
      expect((await keyRow(world.org.id, reader.body.id)).rows[0].lastUsedAt).toBeInstanceOf(Date);

      const writer = await createKey({ name: 'writer', scopes: ['variables:write'] }).expect(201);
      await t.http().post(vars).set(bearer(writer.body.key)).send({ key: 'by_key', value: 'y' }).expect(201);
      const audit = await t.asOwner((db) =>
        db.query(
          `SELECT "actorType", "actorId" FROM audit_logs WHERE "orgId" = $1 AND action = 'variable.created' ORDER BY seq DESC LIMIT 1`,
          [world.org.id],
        ),
      );
      expect(audit.rows).toEqual([{ actorType: 'API_KEY', actorId: writer.body.id }]);
    });

    it("is 404 on another org's URL, 403 on /v1/me and on the api-keys routes", async () => {
      const created = await createKey({ name: 'scoped', scopes: ['variables:read', 'variables:write'] }).expect(201);
      const auth = bearer(created.body.key);
      await t.http().get(`/v1/orgs/${world.otherOrg.id}/variables`).set(auth).expect(404);
      await t.http().get('/v1/me').set(auth).expect(403);
      await t.http().get(base).set(auth).expect(403);
      await t
        .http()
        .post(base)
        .set(auth)
        .send({ name: 'minted', scopes: ['variables:read'] })
        .expect(403);
      await t.http().delete(`${base}/${created.body.id}`).set(auth).expect(403);
    });

    it('an expired key is 401; an unknown key is 401', async () => {
      const created = await createKey({
        name: 'expiring',
        scopes: ['variables:read'],
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      }).expect(201);
      const vars = `/v1/orgs/${world.org.id}/variables`;
      await t.http().get(vars).set(bearer(created.body.key)).expect(200);
      await inOrg(t, world.org.id, (tx) =>
        tx.serviceApiKey.update({ where: { id: created.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } }),
      );
      await t.http().get(vars).set(bearer(created.body.key)).expect(401);
      await t
        .http()
        .get(vars)
        .set(bearer(`${created.body.key.slice(0, -1)}x`))
        .expect(401);
    });
  });
});

describe('rate limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(() => t.close());

  it('limits each key to its own rateLimitPerMinute; another key of the org is unaffected', async () => {
    const owner = await signUp(t);
    const org = await createOrg(t, owner, { tier: 'PRO' });
    const create = (body: Record<string, unknown>) =>
      t.http().post(`/v1/orgs/${org.id}/api-keys`).set(owner.auth).send(body).expect(201);
    const slow = (await create({ name: 'slow', scopes: ['variables:read'], rateLimitPerMinute: 3 })).body.key;
    const other = (await create({ name: 'other', scopes: ['variables:read'], rateLimitPerMinute: 100 })).body.key;
    const vars = `/v1/orgs/${org.id}/variables`;
    for (let i = 0; i < 3; i++)
      await t
        .http()
        .get(vars)
        .set({ Authorization: `Bearer ${slow}` })
        .expect(200);
    const limited = await t
      .http()
      .get(vars)
      .set({ Authorization: `Bearer ${slow}` })
      .expect(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(limited.headers['retry-after']).toBeDefined();
    // The budget is per caller, across routes.
    await t
      .http()
      .get(`${vars}/01900000-0000-7000-8000-000000000000`)
      .set({ Authorization: `Bearer ${slow}` })
      .expect(429);
    await t
      .http()
      .get(vars)
      .set({ Authorization: `Bearer ${other}` })
      .expect(200);
  });

  it('limits users by user id (RATE_LIMIT_PER_MINUTE) independently of each other; health is exempt', async () => {
    const busy = await signUp(t);
    const calm = await signUp(t);
    for (let i = 0; i < 5; i++) await t.http().get('/v1/orgs').set(busy.auth).expect(200);
    const res = await t.http().get('/v1/orgs').set(busy.auth).expect(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    await t.http().get('/v1/orgs').set(calm.auth).expect(200);
    for (let i = 0; i < 8; i++) await t.http().get('/health/live').expect(200);
  });
});
