import { setTimeout as sleep } from 'node:timers/promises';
import { DbContext } from '../../src/database/db-context';
import { ProviderKeysService } from '../../src/modules/provider-keys/provider-keys.service';
import {
  createOrg,
  inOrg,
  memberOf,
  orgWithEveryRole,
  serviceApiKey,
  signUp,
  unique,
  type TestUser,
} from '../factories';
import { stubKey } from '../support/chat';
import { startStubLlm, type StubLlm } from '../support/stub-llm';
import { createTestApp, type TestApp } from '../support/test-app';

describe('provider keys (e2e)', () => {
  let t: TestApp;
  let stub: StubLlm;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;
  /** Every line the app logged, and every response body: the secrets must appear in none. */
  const logLines: string[] = [];
  const bodies: string[] = [];
  const SECRET = `sk-live-${unique()}${unique()}-WXYZ`;

  beforeAll(async () => {
    stub = await startStubLlm({ apiKeys: ['sk-stub-valid-key-0000', SECRET] });
    t = await createTestApp({
      env: { OUTBOUND_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'trace' },
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    world = await orgWithEveryRole(t);
    // Many keys are made below: the FREE plan's 10 would run out (the limit has its own test).
    await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'PRO' WHERE id = $1`, [world.org.id]));
    base = `/v1/orgs/${world.org.id}/provider-keys`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/provider-keys`;
  });
  afterEach(() => stub.reset());
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  /** Records what came back, for the secret check at the end. */
  const seen = <R extends { body: unknown; text?: string }>(res: R): R => {
    bodies.push(JSON.stringify(res.body) + (res.text ?? ''));
    return res;
  };
  const create = async (user: TestUser | Record<string, string>, body: Record<string, unknown>, orgBase = base) =>
    seen(
      await t
        .http()
        .post(orgBase)
        .set('auth' in user ? (user as TestUser).auth : (user as Record<string, string>))
        .send(body),
    );
  const orgKey = (body: Record<string, unknown> = {}, user: TestUser = world.admin, orgBase = base) =>
    create(
      user,
      {
        provider: 'OPENAI',
        name: `k-${unique()}`,
        apiKey: stub.apiKey,
        baseUrl: stub.openaiBaseUrl,
        ...body,
      },
      orgBase,
    );
  const personalKey = (user: TestUser, body: Record<string, unknown> = {}) =>
    orgKey({ scope: 'PERSONAL', ...body }, user);
  const get = async (user: TestUser, id: string, orgBase = base) =>
    seen(await t.http().get(`${orgBase}/${id}`).set(user.auth));
  const patch = async (
    id: string,
    body: Record<string, unknown>,
    etag: string | null,
    user: TestUser = world.admin,
  ) => {
    const req = t.http().patch(`${base}/${id}`).set(user.auth);
    return seen(await (etag === null ? req : req.set('If-Match', etag)).send(body));
  };
  const del = async (id: string, user: TestUser, etag = '*') =>
    seen(await t.http().delete(`${base}/${id}`).set(user.auth).set('If-Match', etag));
  const test = async (id: string, user: TestUser | Record<string, string> = world.editor) =>
    seen(
      await t
        .http()
        .post(`${base}/${id}/test`)
        .set('auth' in user ? (user as TestUser).auth : (user as Record<string, string>))
        .send(),
    );
  const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((k) => k.id);

  describe('POST /provider-keys', () => {
    it('creates an ORG key (ADMIN): secret encrypted, shown as its last four, ETag, audited', async () => {
      const res = await orgKey({ name: 'OpenAI prod', apiKey: SECRET, defaultModel: 'gpt-4o-mini' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        orgId: world.org.id,
        provider: 'OPENAI',
        name: 'OpenAI prod',
        maskedKey: '••••WXYZ',
        baseUrl: stub.openaiBaseUrl,
        defaultModel: 'gpt-4o-mini',
        scope: 'ORG',
        ownerUserId: null,
        isDefault: false,
        isActive: true,
        lastUsedAt: null,
        version: 1,
        createdByUserId: world.admin.id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(res.headers.etag).toBe('"1"');
      const stored = await t.asOwner((db) =>
        db.query<{ encryptedKey: string; last4: string }>(
          `SELECT "encryptedKey", last4 FROM provider_keys WHERE id = $1`,
          [res.body.id],
        ),
      );
      expect(stored.rows[0]!.encryptedKey).toMatch(/^v1\./);
      expect(stored.rows[0]!.encryptedKey).not.toContain(SECRET);
      expect(stored.rows[0]!.last4).toBe('WXYZ');
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1`, [res.body.id]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['provider_key.created']);
    });

    it('any member creates their own PERSONAL key; an EDITOR cannot create an ORG key', async () => {
      const res = await personalKey(world.viewer, { provider: 'ANTHROPIC', baseUrl: stub.anthropicBaseUrl });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ scope: 'PERSONAL', ownerUserId: world.viewer.id, provider: 'ANTHROPIC' });
      const refused = await orgKey({}, world.editor);
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('ADMIN');
      expect((await personalKey(world.editor, { isDefault: true })).status).toBe(400);
    });

    it('400 on invalid fields; OPENAI_COMPATIBLE needs a baseUrl', async () => {
      const res = await create(world.admin, { provider: 'MISTRAL', name: '', apiKey: 'has space', extra: 1 });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'apiKey',
        'extra',
        'name',
        'provider',
      ]);
      const compatible = await orgKey({ provider: 'OPENAI_COMPATIBLE', baseUrl: undefined });
      expect(compatible.status).toBe(400);
      expect(compatible.body.errors).toEqual([{ field: 'baseUrl', messages: [expect.stringContaining('required')] }]);
      expect((await orgKey({ provider: 'OPENAI_COMPATIBLE', baseUrl: stub.openaiBaseUrl })).status).toBe(201);
      expect((await orgKey({ scope: 'TEAM' })).status).toBe(400);
    });

    it('422 OUTBOUND_URL_REFUSED for base URLs the outbound policy refuses, whatever the config', async () => {
      for (const [baseUrl, reason] of [
        ['http://169.254.169.254/latest', 'metadata'],
        ['http://[fd00:ec2::254]/', 'metadata'],
        ['http://100.100.100.200/', 'metadata'],
        ['http://[fe80::1]:8080/v1', 'link-local'],
        ['http://[::ffff:169.254.1.1]/', 'link-local'],
        ['http://0.0.0.0:8000/v1', 'unspecified'],
        ['ftp://example.com/v1', 'scheme'],
        ['file:///etc/passwd', 'scheme'],
        ['http://user:pw@example.com/', 'credentials'],
        ['not a url', 'valid'],
      ]) {
        const res = await orgKey({ provider: 'OPENAI_COMPATIBLE', baseUrl });
        expect({ baseUrl, status: res.status, code: res.body.code }).toEqual({
          baseUrl,
          status: 422,
          code: 'OUTBOUND_URL_REFUSED',
        });
        expect(res.body.errors).toEqual([{ field: 'baseUrl', messages: [expect.stringContaining(reason!)] }]);
      }
    });

    it('401 without credentials, 404 for a non-member', async () => {
      await t.http().post(base).send({}).expect(401);
      expect((await orgKey({}, world.outsider)).status).toBe(404);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 10 keys", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 10 }, (_, i) => ({
        orgId: org.id,
        provider: 'OPENAI' as const,
        name: `k${i}`,
        encryptedKey: 'x',
        last4: 'abcd',
      }));
      await inOrg(t, org.id, (tx) => tx.providerKey.createMany({ data: rows }));
      const res = await orgKey({}, owner, `/v1/orgs/${org.id}/provider-keys`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
    });

    it('an API key with provider-keys:write manages ORG keys, not PERSONAL ones, and lists ORG keys only', async () => {
      const writer = await serviceApiKey(t, world.org.id, ['provider-keys:write']);
      expect((await create(writer, { provider: 'OPENAI', name: 'by-key', apiKey: stub.apiKey })).status).toBe(201);
      const personal = await create(writer, { provider: 'OPENAI', name: 'p', apiKey: stub.apiKey, scope: 'PERSONAL' });
      expect(personal.status).toBe(403);
      await personalKey(world.viewer);
      const reader = await serviceApiKey(t, world.org.id, ['provider-keys:read']);
      const listed = await t.http().get(`${base}?limit=100`).set(reader).expect(200);
      expect(listed.body.data.length).toBeGreaterThan(0);
      expect(listed.body.data.every((k: { scope: string }) => k.scope === 'ORG')).toBe(true);
      expect((await create(reader, { provider: 'OPENAI', name: 'r', apiKey: stub.apiKey })).status).toBe(403);
    });
  });

  describe('GET /provider-keys and /provider-keys/{keyId}', () => {
    it('a PERSONAL key is listed and read by its owner alone, even within the org', async () => {
      const mine = (await personalKey(world.editor)).body;
      const org = (await orgKey()).body;
      const editorList = await t.http().get(`${base}?limit=100`).set(world.editor.auth).expect(200);
      expect(ids(editorList)).toEqual(expect.arrayContaining([mine.id, org.id]));
      for (const other of [world.owner, world.admin, world.viewer]) {
        const list = await t.http().get(`${base}?limit=100`).set(other.auth).expect(200);
        expect(ids(list)).toContain(org.id);
        expect(ids(list)).not.toContain(mine.id);
        expect((await get(other, mine.id)).status).toBe(404);
        expect((await patch(mine.id, { name: 'x' }, '*', other)).status).toBe(404);
        expect((await del(mine.id, other)).status).toBe(404);
        expect((await test(mine.id, other)).status).toBe(404);
      }
      const got = await get(world.editor, mine.id);
      expect(got.status).toBe(200);
      expect(got.headers.etag).toBe('"1"');
      expect(got.body).toEqual(mine);
    });

    it('pages oldest first, filters by provider and scope; 400 on a bad filter', async () => {
      const user = await memberOf(t, world.org.id, 'VIEWER');
      const a = (await personalKey(user)).body;
      const b = (await personalKey(user, { provider: 'ANTHROPIC' })).body;
      const c = (await personalKey(user)).body;
      const first = await t.http().get(`${base}?scope=PERSONAL&limit=2`).set(user.auth).expect(200);
      expect(ids(first)).toEqual([a.id, b.id]);
      const rest = await t
        .http()
        .get(`${base}?scope=PERSONAL&limit=2&cursor=${first.body.nextCursor}`)
        .set(user.auth)
        .expect(200);
      expect(rest.body).toEqual({ data: [expect.objectContaining({ id: c.id })], nextCursor: null });
      const anthropic = await t.http().get(`${base}?scope=PERSONAL&provider=ANTHROPIC`).set(user.auth).expect(200);
      expect(ids(anthropic)).toEqual([b.id]);
      await t.http().get(`${base}?provider=NOPE`).set(user.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });

    it("another org's key and a non-uuid are 404", async () => {
      const theirs = (await orgKey({}, world.outsider, otherBase)).body;
      expect((await get(world.owner, theirs.id)).status).toBe(404);
      expect((await get(world.owner, 'not-a-uuid')).status).toBe(404);
      await t.http().get(`${base}/${theirs.id}`).expect(401);
    });
  });

  describe('PATCH and DELETE /provider-keys/{keyId}', () => {
    it('renames and replaces the secret (ADMIN, If-Match); 412 when stale, 428 without, 400 on bad fields', async () => {
      const key = (await orgKey()).body;
      const res = await patch(key.id, { name: 'renamed', apiKey: 'sk-rotated-secret-9876' }, '"1"');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'renamed', maskedKey: '••••9876', version: 2 });
      expect(res.headers.etag).toBe('"2"');
      expect((await patch(key.id, { name: 'again' }, '"1"')).status).toBe(412);
      expect((await patch(key.id, { name: 'again' }, null)).status).toBe(428);
      const bad = await patch(key.id, { name: null, provider: 'ANTHROPIC', scope: 'PERSONAL', isActive: 'no' }, '"2"');
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'isActive',
        'name',
        'provider',
        'scope',
      ]);
      const refused = await patch(key.id, { baseUrl: 'http://169.254.169.254/' }, '"2"');
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('OUTBOUND_URL_REFUSED');
    });

    it('ORG keys: 403 for an EDITOR; PERSONAL keys: their owner changes them whatever the role', async () => {
      const org = (await orgKey()).body;
      expect((await patch(org.id, { name: 'x' }, '"1"', world.editor)).status).toBe(403);
      expect((await del(org.id, world.editor)).status).toBe(403);
      const mine = (await personalKey(world.viewer)).body;
      expect((await patch(mine.id, { name: 'mine', defaultModel: null }, '"1"', world.viewer)).status).toBe(200);
      expect((await patch(mine.id, { isDefault: true }, '"2"', world.viewer)).status).toBe(400);
      await t.http().patch(`${base}/${mine.id}`).set('If-Match', '*').send({ name: 'x' }).expect(401);
    });

    it('setting isDefault moves the org default of that provider (never two), creating or patching', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}/provider-keys`;
      const a = (await orgKey({ isDefault: true }, owner, orgBase)).body;
      const b = (await orgKey({ isDefault: true }, owner, orgBase)).body;
      const other = (await orgKey({ provider: 'ANTHROPIC', isDefault: true }, owner, orgBase)).body;
      const defaults = async () =>
        (await t.http().get(`${orgBase}?limit=100`).set(owner.auth).expect(200)).body.data
          .filter((k: { isDefault: boolean }) => k.isDefault)
          .map((k: { id: string }) => k.id)
          .sort();
      expect(await defaults()).toEqual([b.id, other.id].sort());
      const aNow = (await t.http().get(`${orgBase}/${a.id}`).set(owner.auth).expect(200)).body;
      expect(aNow).toMatchObject({ isDefault: false, version: 2 });
      await t
        .http()
        .patch(`${orgBase}/${a.id}`)
        .set(owner.auth)
        .set('If-Match', '"2"')
        .send({ isDefault: true })
        .expect(200);
      expect(await defaults()).toEqual([a.id, other.id].sort());
      // Two at once: each is made or refused with 409, never a 500, and one default remains.
      const results = await Promise.all([
        orgKey({ isDefault: true }, owner, orgBase),
        orgKey({ isDefault: true }, owner, orgBase),
      ]);
      for (const res of results) expect([201, 409]).toContain(res.status);
      expect((await defaults()).length).toBe(2);
    });

    it('isActive false keeps the key but makes it unusable; resolveForUse hides personal keys from others', async () => {
      const key = (await orgKey({ apiKey: SECRET })).body;
      const mine = (await personalKey(world.viewer, { apiKey: SECRET })).body;
      const db = t.app.get(DbContext);
      const service = t.app.get(ProviderKeysService);
      const resolve = (keyId: string, userId: string | null) =>
        db.run({ orgId: world.org.id, ...(userId ? { userId } : {}) }, () =>
          service.resolveForUse(world.org.id, keyId),
        );
      expect(await resolve(key.id, world.editor.id)).toEqual({
        id: key.id,
        provider: 'OPENAI',
        apiKey: SECRET,
        baseUrl: stub.openaiBaseUrl,
        defaultModel: null,
      });
      expect((await get(world.viewer, key.id)).body.lastUsedAt).not.toBeNull();
      expect((await resolve(mine.id, world.viewer.id)).apiKey).toBe(SECRET);
      await expect(resolve(mine.id, world.editor.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(resolve(mine.id, null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await patch(key.id, { isActive: false }, '*')).body.isActive).toBe(false);
      await expect(resolve(key.id, world.editor.id)).rejects.toMatchObject({ code: 'PROVIDER_KEY_UNUSABLE' });
    });

    it('deletes (If-Match), audited; 404 after, and for another org', async () => {
      const key = (await orgKey()).body;
      expect((await del(key.id, world.admin, '"9"')).status).toBe(412);
      expect((await del(key.id, world.admin, '"1"')).status).toBe(204);
      expect((await del(key.id, world.admin)).status).toBe(404);
      await t.http().delete(`${base}/${key.id}`).set('If-Match', '*').expect(401);
      const theirs = (await orgKey({}, world.outsider, otherBase)).body;
      expect((await del(theirs.id, world.owner)).status).toBe(404);
      const mine = (await personalKey(world.viewer)).body;
      expect((await del(mine.id, world.viewer)).status).toBe(204);
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [key.id]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['provider_key.created', 'provider_key.deleted']);
    });
  });

  describe('POST /provider-keys/{keyId}/test', () => {
    it('ok with latency and models against the OpenAI and Anthropic stubs; records lastUsedAt', async () => {
      const openai = (await orgKey({ apiKey: SECRET })).body;
      const res = await test(openai.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, latencyMs: expect.any(Number), models: stub.models });
      expect(stub.requests[0]).toMatchObject({ provider: 'openai', path: '/v1/models', apiKey: SECRET });
      expect((await get(world.viewer, openai.id)).body.lastUsedAt).not.toBeNull();
      const anthropic = (await personalKey(world.viewer, { provider: 'ANTHROPIC', baseUrl: stub.anthropicBaseUrl }))
        .body;
      expect((await test(anthropic.id, world.viewer)).body).toMatchObject({ ok: true });
      expect(stub.requests[1]).toMatchObject({ provider: 'anthropic', path: '/v1/models' });
    });

    it('a refused key or a failing provider is ok:false with the reason (no secret), not a 5xx', async () => {
      const wrong = 'sk-wrong-but-secret-555555';
      const key = (await orgKey({ apiKey: wrong })).body;
      const denied = await test(key.id);
      expect(denied.status).toBe(200);
      expect(denied.body).toMatchObject({ ok: false, status: 401, error: expect.stringContaining('401') });
      expect(JSON.stringify(denied.body)).not.toContain(wrong);
      const good = (await orgKey()).body;
      const down = await startStubLlm();
      await down.close();
      await patch(good.id, { baseUrl: down.openaiBaseUrl }, '"1"').then((r) => expect(r.status).toBe(200));
      const unreachable = await test(good.id);
      expect(unreachable.body).toMatchObject({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
      expect((await get(world.viewer, key.id)).body.lastUsedAt).not.toBeNull();
    });

    it('500 from the provider is ok:false too; 403 for a VIEWER on an ORG key; 401; 404 other org', async () => {
      const key = (await orgKey()).body;
      stub.failNext({ status: 500 });
      const res = await test(key.id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, status: 500 });
      expect((await test(key.id, world.viewer)).status).toBe(403);
      await t.http().post(`${base}/${key.id}/test`).expect(401);
      const theirs = (await orgKey({}, world.outsider, otherBase)).body;
      expect((await test(theirs.id, world.owner)).status).toBe(404);
    });
  });

  describe('with the default outbound policy (no private addresses)', () => {
    let strict: TestApp;
    let admin: TestUser;
    let orgId: string;
    beforeAll(async () => {
      strict = await createTestApp();
      admin = await signUp(strict);
      orgId = (await createOrg(strict, admin)).id;
    });
    afterAll(() => strict.close());

    it('refuses loopback, private, unique-local and CGNAT base URLs (names and literals) with 422', async () => {
      for (const baseUrl of [
        stub.openaiBaseUrl,
        stub.openaiBaseUrl.replace('127.0.0.1', 'localhost'),
        'http://10.0.0.8:8000/v1',
        'http://192.168.1.20/v1',
        'http://[::1]:8000/v1',
        'http://[fc00::5]/v1',
        'http://100.64.1.1/v1',
        'http://[::ffff:10.0.0.1]/v1',
        'http://2130706433/v1',
      ]) {
        const res = await strict
          .http()
          .post(`/v1/orgs/${orgId}/provider-keys`)
          .set(admin.auth)
          .send({ provider: 'OPENAI_COMPATIBLE', name: 'local', apiKey: 'sk-local-000000', baseUrl });
        expect({ baseUrl, status: res.status, code: res.body.code }).toEqual({
          baseUrl,
          status: 422,
          code: 'OUTBOUND_URL_REFUSED',
        });
        expect(res.body.detail).toContain('OUTBOUND_ALLOW_PRIVATE');
      }
    });
  });

  it('no secret in any response, log line or audit entry', async () => {
    // Everything above ran with LOG_LEVEL=trace; the audit log is read behind row-level security.
    const audit = await t.asOwner((db) =>
      db.query<{ row: string }>(
        `SELECT row_to_json(a)::text AS row FROM audit_logs a WHERE "resourceType" = 'provider_key'`,
      ),
    );
    expect(audit.rows.length).toBeGreaterThan(5);
    expect(logLines.length).toBeGreaterThan(10);
    for (const secret of [SECRET, 'sk-rotated-secret-9876', 'sk-wrong-but-secret-555555', stub.apiKey]) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
      expect(audit.rows.filter((r) => r.row.includes(secret))).toEqual([]);
    }
  });
});

// With a pool of one connection (and a 1 s wait for it), a key test that held the request's
// transaction while the provider took its time would leave every other request 503.
(process.env.DATABASE_URL ? describe : describe.skip)(
  'provider key test holds no database connection while the provider answers (e2e, PostgreSQL)',
  () => {
    let t: TestApp;
    let stub: StubLlm;

    beforeAll(async () => {
      stub = await startStubLlm();
      t = await createTestApp({
        env: { OUTBOUND_ALLOW_PRIVATE: 'true', DATABASE_POOL_MAX: '1', DATABASE_CONNECT_TIMEOUT_MS: '1000' },
      });
    });
    afterAll(async () => {
      await t?.close();
      await stub?.close();
    });

    it('other requests are answered while the provider is slow; the test then reports ok', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const keyId = await stubKey(t, stub, owner, org.id);
      stub.modelsDelayMs = 1500;
      const testing = t
        .http()
        .post(`/v1/orgs/${org.id}/provider-keys/${keyId}/test`)
        .set(owner.auth)
        .then((r) => r);
      await sleep(300); // the call to the provider is under way
      for (let i = 0; i < 3; i++) await t.http().get(`/v1/orgs/${org.id}/provider-keys`).set(owner.auth).expect(200);
      const res = await testing;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
      expect(res.body.latencyMs).toBeGreaterThanOrEqual(1000);
    });
  },
);
