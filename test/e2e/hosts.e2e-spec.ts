import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { closedPort, startTcpListener } from '../support/ssh-server';
import { SecretLeaks } from '../support/secret-leaks';
import { createTestApp, type TestApp } from '../support/test-app';

describe('hosts (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let listener: Awaited<ReturnType<typeof startTcpListener>>;
  /** Every line the app logged, and every response body: no secret may appear in them. */
  const leaks = new SecretLeaks();
  const PASSWORD = `host-pw-${unique()}${unique()}`;

  beforeAll(async () => {
    listener = await startTcpListener();
    t = await createTestApp({
      env: { OUTBOUND_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'trace', HOST_CHECK_TIMEOUT_MS: '2000' },
      logDestination: leaks.logDestination,
    });
    world = await orgWithEveryRole(t);
    await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'PRO' WHERE id = $1`, [world.org.id]));
    base = `/v1/orgs/${world.org.id}/hosts`;
  });
  afterAll(async () => {
    await t.close();
    await listener.close();
  });

  const seen = leaks.seen;
  const create = async (body: Record<string, unknown> = {}, user: TestUser = world.editor, orgBase = base) =>
    seen(
      await t
        .http()
        .post(orgBase)
        .set(user.auth)
        .send({ name: `h-${unique()}`, ip: '127.0.0.1', ...body }),
    );
  const patch = async (id: string, body: Record<string, unknown>, user: TestUser = world.editor) =>
    seen(await t.http().patch(`${base}/${id}`).set(user.auth).send(body));
  const check = async (id: string, user: TestUser = world.editor) =>
    seen(await t.http().post(`${base}/${id}/check`).set(user.auth).send());
  const auditOf = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  describe('POST /hosts', () => {
    it('creates a host (EDITOR): password encrypted and never returned, PENDING, audited', async () => {
      const res = await create({
        name: 'ci-runner',
        description: 'nightly',
        type: 'LINUX',
        user: 'runner',
        password: PASSWORD,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        orgId: world.org.id,
        name: 'ci-runner',
        description: 'nightly',
        type: 'LINUX',
        isWindows: false,
        ip: '127.0.0.1',
        port: 22,
        user: 'runner',
        hasPassword: true,
        status: 'PENDING',
        lastCheckedAt: null,
        lastLatencyMs: null,
        lastError: null,
        createdByUserId: world.editor.id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const stored = await t.asOwner((db) =>
        db.query<{ encryptedPassword: string }>(`SELECT "encryptedPassword" FROM hosts WHERE id = $1`, [res.body.id]),
      );
      expect(stored.rows[0]!.encryptedPassword).toMatch(/^v1\./);
      expect(await auditOf(res.body.id)).toEqual(['host.created']);
    });

    it('WINDOWS hosts default to port 5985 and say isWindows; host names are accepted', async () => {
      const res = await create({ type: 'WINDOWS', ip: 'localhost' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ type: 'WINDOWS', isWindows: true, port: 5985, hasPassword: false, user: null });
      expect((await create({ type: 'MACOS', port: 2222 })).body).toMatchObject({ port: 2222, isWindows: false });
    });

    it('400 on invalid fields, with no audit entry', async () => {
      const res = await create({ name: '', type: 'BSD', ip: 'not an address!', port: 70000, extra: 1 });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'extra',
        'ip',
        'name',
        'port',
        'type',
      ]);
      expect((await create({ ip: undefined })).status).toBe(400);
      expect((await create({ port: null })).status).toBe(400);
    });

    it('409 DUPLICATE for a name taken in the org (not across orgs)', async () => {
      const name = `dup-${unique()}`;
      expect((await create({ name })).status).toBe(201);
      const res = await create({ name });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('DUPLICATE');
      expect((await create({ name }, world.outsider, `/v1/orgs/${world.otherOrg.id}/hosts`)).status).toBe(201);
    });

    it('422 OUTBOUND_URL_REFUSED for link-local and metadata addresses, whatever the config', async () => {
      for (const [ip, reason] of [
        ['169.254.169.254', 'metadata'],
        ['fe80::1', 'link-local'],
        ['[fd00:ec2::254]', 'metadata'],
        ['0.0.0.0', 'unspecified'],
      ]) {
        const res = await create({ ip });
        expect({ ip, status: res.status, code: res.body.code }).toEqual({
          ip,
          status: 422,
          code: 'OUTBOUND_URL_REFUSED',
        });
        expect(res.body.errors).toEqual([{ field: 'ip', messages: [expect.stringContaining(reason!)] }]);
      }
    });

    it('401 without credentials, 403 for a VIEWER, 404 for a non-member; API keys need hosts:write', async () => {
      await t.http().post(base).send({}).expect(401);
      expect((await create({}, world.viewer)).status).toBe(403);
      expect((await create({}, world.outsider)).status).toBe(404);
      const writer = await serviceApiKey(t, world.org.id, ['hosts:write']);
      const res = await t
        .http()
        .post(base)
        .set(writer)
        .send({ name: `k-${unique()}`, ip: '127.0.0.1' });
      expect(res.status).toBe(201);
      expect(res.body.createdByUserId).toBeNull();
      const reader = await serviceApiKey(t, world.org.id, ['hosts:read']);
      await t
        .http()
        .post(base)
        .set(reader)
        .send({ name: `k-${unique()}`, ip: '127.0.0.1' })
        .expect(403);
      await t.http().get(base).set(reader).expect(200);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 5 hosts", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 5 }, (_, i) => ({ orgId: org.id, name: `h${i}`, address: '127.0.0.1' }));
      await inOrg(t, org.id, (tx) => tx.host.createMany({ data: rows }));
      const res = await create({}, owner, `/v1/orgs/${org.id}/hosts`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      const limits = await t.http().get(`/v1/orgs/${org.id}/limits`).set(owner.auth).expect(200);
      expect(limits.body.limits.hosts).toEqual({ limit: 5, used: 5 });
    });
  });

  describe('GET /hosts', () => {
    it('lists by name with status, type and q filters and cursor paging; VIEWER reads', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner, { tier: 'PRO' });
      const orgBase = `/v1/orgs/${org.id}/hosts`;
      for (const [name, type, ip] of [
        ['alpha', 'LINUX', '127.0.0.1'],
        ['bravo', 'WINDOWS', '127.0.0.2'],
        ['charlie', 'LINUX', 'localhost'],
      ]) {
        expect((await create({ name, type, ip }, owner, orgBase)).status).toBe(201);
      }
      await t.asOwner((db) =>
        db.query(`UPDATE hosts SET status = 'ONLINE' WHERE "orgId" = $1 AND name = 'alpha'`, [org.id]),
      );
      const names = async (query: string) => {
        const res = await t.http().get(`${orgBase}${query}`).set(owner.auth).expect(200);
        return res.body.data.map((h: { name: string }) => h.name);
      };
      expect(await names('')).toEqual(['alpha', 'bravo', 'charlie']);
      expect(await names('?type=LINUX')).toEqual(['alpha', 'charlie']);
      expect(await names('?status=PENDING')).toEqual(['bravo', 'charlie']);
      expect(await names('?q=LOCALHOST')).toEqual(['charlie']);
      expect(await names('?q=RAV')).toEqual(['bravo']);
      const first = await t.http().get(`${orgBase}?limit=2`).set(owner.auth).expect(200);
      expect(first.body.data.map((h: { name: string }) => h.name)).toEqual(['alpha', 'bravo']);
      const next = await t.http().get(`${orgBase}?limit=2&cursor=${first.body.nextCursor}`).set(owner.auth).expect(200);
      expect(next.body).toEqual({ data: [expect.objectContaining({ name: 'charlie' })], nextCursor: null });
      await t.http().get(`${orgBase}?type=BSD`).set(owner.auth).expect(400);
      const viewer = await t.http().get(base).set(world.viewer.auth).expect(200);
      expect(viewer.body.data.length).toBeGreaterThan(0);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });
  });

  describe('GET, PATCH, DELETE /hosts/{hostId}', () => {
    it('reads one (VIEWER); 404 for another org’s host and an unknown id', async () => {
      const host = (await create()).body;
      const res = seen(await t.http().get(`${base}/${host.id}`).set(world.viewer.auth));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(host);
      const other = (await create({}, world.outsider, `/v1/orgs/${world.otherOrg.id}/hosts`)).body;
      await t.http().get(`${base}/${other.id}`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/0190a000-0000-7000-8000-000000000000`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/not-a-uuid`).set(world.owner.auth).expect(404);
    });

    it('changes fields (EDITOR), replaces and clears the password, audited; 400, 403, 404, 409, 422', async () => {
      const host = (await create({ password: PASSWORD, user: 'root' })).body;
      const res = await patch(host.id, { name: `renamed-${unique()}`, type: 'WINDOWS', port: 2200, user: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: 'WINDOWS', isWindows: true, port: 2200, user: null, hasPassword: true });
      expect((await patch(host.id, { password: 'another-secret-pw' })).body.hasPassword).toBe(true);
      expect((await patch(host.id, { password: null })).body.hasPassword).toBe(false);
      expect(await auditOf(host.id)).toEqual(['host.created', 'host.updated', 'host.updated', 'host.updated']);
      expect((await patch(host.id, { name: null })).status).toBe(400);
      expect((await patch(host.id, { ip: '' })).status).toBe(400);
      expect((await patch(host.id, { name: 'x' }, world.viewer)).status).toBe(403);
      const taken = (await create()).body;
      expect((await patch(host.id, { name: taken.name })).status).toBe(409);
      const refused = await patch(host.id, { ip: '169.254.169.254' });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('OUTBOUND_URL_REFUSED');
      const other = (await create({}, world.outsider, `/v1/orgs/${world.otherOrg.id}/hosts`)).body;
      expect((await patch(other.id, { name: 'mine' }, world.owner)).status).toBe(404);
      await t.http().patch(`${base}/${host.id}`).send({ name: 'x' }).expect(401);
    });

    it('a new address reaches the SSH connections made from the host; deleting detaches them', async () => {
      const host = (await create()).body;
      const connection = await t
        .http()
        .post(`/v1/orgs/${world.org.id}/connections`)
        .set(world.editor.auth)
        .send({ name: `c-${unique()}`, hostId: host.id, username: 'runner', password: 'pw' })
        .expect(201);
      expect(connection.body).toMatchObject({ hostId: host.id, host: '127.0.0.1' });
      await patch(host.id, { ip: 'localhost' });
      const moved = await t
        .http()
        .get(`/v1/orgs/${world.org.id}/connections/${connection.body.id}`)
        .set(world.viewer.auth);
      expect(moved.body).toMatchObject({ hostId: host.id, host: 'localhost' });
      expect((await t.http().delete(`${base}/${host.id}`).set(world.viewer.auth)).status).toBe(403);
      await t.http().delete(`${base}/${host.id}`).set(world.editor.auth).expect(204);
      await t.http().get(`${base}/${host.id}`).set(world.editor.auth).expect(404);
      const detached = await t
        .http()
        .get(`/v1/orgs/${world.org.id}/connections/${connection.body.id}`)
        .set(world.viewer.auth);
      expect(detached.body).toMatchObject({ hostId: null, host: 'localhost' });
      expect(await auditOf(host.id)).toEqual(['host.created', 'host.updated', 'host.deleted']);
      await t.http().delete(`${base}/${host.id}`).set(world.editor.auth).expect(404);
      const other = (await create({}, world.outsider, `/v1/orgs/${world.otherOrg.id}/hosts`)).body;
      await t.http().delete(`${base}/${other.id}`).set(world.owner.auth).expect(404);
      await t.http().delete(`${base}/${other.id}`).expect(401);
    });
  });

  describe('POST /hosts/{hostId}/check', () => {
    it('ONLINE with the latency for an open port, audited as host.checked', async () => {
      const host = (await create({ port: listener.port })).body;
      const res = await check(host.id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: host.id, status: 'ONLINE', lastError: null });
      expect(res.body.lastLatencyMs).toBeGreaterThanOrEqual(0);
      expect(new Date(res.body.lastCheckedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(await auditOf(host.id)).toEqual(['host.created', 'host.checked']);
    });

    it('OFFLINE with the reason for a closed port; ERROR when the name does not resolve', async () => {
      const host = (await create({ port: await closedPort() })).body;
      const res = await check(host.id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'OFFLINE', lastError: expect.stringContaining('refused') });
      await t.asOwner((db) => db.query(`UPDATE hosts SET address = 'no-such-host.invalid' WHERE id = $1`, [host.id]));
      const unresolved = await check(host.id);
      expect(unresolved.status).toBe(200);
      expect(unresolved.body).toMatchObject({
        status: 'ERROR',
        lastLatencyMs: null,
        lastError: expect.stringContaining('does not resolve'),
      });
    });

    it('422 for an address the policy refuses at check time, recording nothing', async () => {
      const host = (await create()).body;
      await t.asOwner((db) => db.query(`UPDATE hosts SET address = '169.254.169.254' WHERE id = $1`, [host.id]));
      const res = await check(host.id);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('OUTBOUND_URL_REFUSED');
      expect((await t.http().get(`${base}/${host.id}`).set(world.viewer.auth)).body.status).toBe('PENDING');
    });

    it('401, 403 for a VIEWER, 404 for another org', async () => {
      const host = (await create()).body;
      await t.http().post(`${base}/${host.id}/check`).expect(401);
      expect((await check(host.id, world.viewer)).status).toBe(403);
      const other = (await create({}, world.outsider, `/v1/orgs/${world.otherOrg.id}/hosts`)).body;
      expect((await check(other.id, world.owner)).status).toBe(404);
    });
  });

  describe('with the default outbound policy (no private addresses)', () => {
    let strict: TestApp;
    let owner: TestUser;
    let orgId: string;
    beforeAll(async () => {
      strict = await createTestApp();
      owner = await signUp(strict);
      orgId = (await createOrg(strict, owner)).id;
    });
    afterAll(() => strict.close());

    it('refuses loopback and private addresses at create and at check (422)', async () => {
      for (const ip of ['127.0.0.1', 'localhost', '10.0.0.8', '::1']) {
        const res = await strict.http().post(`/v1/orgs/${orgId}/hosts`).set(owner.auth).send({ name: 'h', ip });
        expect({ ip, status: res.status, code: res.body.code }).toEqual({
          ip,
          status: 422,
          code: 'OUTBOUND_URL_REFUSED',
        });
        expect(res.body.detail).toContain('OUTBOUND_ALLOW_PRIVATE');
      }
      const host = await inOrg(strict, orgId, (tx) =>
        tx.host.create({ data: { orgId, name: 'old', address: '127.0.0.1', port: listener.port } }),
      );
      const res = await strict.http().post(`/v1/orgs/${orgId}/hosts/${host.id}/check`).set(owner.auth).send();
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('OUTBOUND_URL_REFUSED');
    });
  });

  it('no password in any response, log line or audit entry', async () => {
    await leaks.expectNone(t, 'host', [PASSWORD, 'another-secret-pw']);
  });
});
