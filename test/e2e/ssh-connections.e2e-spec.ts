import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { closedPort, startSshServer, type StubSshServer } from '../support/ssh-server';
import { SecretLeaks } from '../support/secret-leaks';
import { createTestApp, type TestApp } from '../support/test-app';

describe('SSH connections (e2e)', () => {
  let t: TestApp;
  let ssh: StubSshServer;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  /** Every line the app logged, and every response body: no secret may appear in them. */
  const leaks = new SecretLeaks();

  beforeAll(async () => {
    ssh = await startSshServer();
    t = await createTestApp({
      env: { OUTBOUND_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'trace', SSH_TEST_TIMEOUT_MS: '5000' },
      logDestination: leaks.logDestination,
    });
    world = await orgWithEveryRole(t);
    await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'PRO' WHERE id = $1`, [world.org.id]));
    base = `/v1/orgs/${world.org.id}/connections`;
  });
  afterAll(async () => {
    await t.close();
    await ssh.close();
  });

  const seen = leaks.seen;
  const create = async (body: Record<string, unknown> = {}, user: TestUser = world.editor, orgBase = base) =>
    seen(
      await t
        .http()
        .post(orgBase)
        .set(user.auth)
        .send({ name: `c-${unique()}`, host: '127.0.0.1', port: ssh.port, username: ssh.username, ...body }),
    );
  const withPassword = (body: Record<string, unknown> = {}, user?: TestUser) =>
    create({ password: ssh.password, ...body }, user);
  const patch = async (id: string, body: Record<string, unknown>, user: TestUser = world.editor) =>
    seen(await t.http().patch(`${base}/${id}`).set(user.auth).send(body));
  const test = async (id: string, user: TestUser = world.editor) =>
    seen(await t.http().post(`${base}/${id}/test`).set(user.auth).send());
  const read = async (id: string) => seen(await t.http().get(`${base}/${id}`).set(world.viewer.auth)).body;
  const auditOf = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  describe('POST /connections', () => {
    it('creates a connection (EDITOR, its owner): secrets encrypted, never returned, audited', async () => {
      const res = await create({
        name: 'runner ssh',
        password: ssh.password,
        privateKey: ssh.encryptedClientKey.private,
        passphrase: ssh.passphrase,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        orgId: world.org.id,
        name: 'runner ssh',
        hostId: null,
        host: '127.0.0.1',
        port: ssh.port,
        username: ssh.username,
        hasPassword: true,
        hasPrivateKey: true,
        hasPassphrase: true,
        ownerUserId: world.editor.id,
        hostKeyFingerprint: null,
        lastConnectedAt: null,
        lastLatencyMs: null,
        lastError: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const stored = await t.asOwner((db) =>
        db.query<Record<string, string>>(
          `SELECT "encryptedPassword", "encryptedPrivateKey", "encryptedPassphrase" FROM ssh_connections WHERE id = $1`,
          [res.body.id],
        ),
      );
      for (const value of Object.values(stored.rows[0]!)) expect(value).toMatch(/^v1\./);
      expect(await auditOf(res.body.id)).toEqual(['ssh_connection.created']);
    });

    it('from one of the org’s hosts: takes its address, port 22 by default; 404 for another org’s host', async () => {
      const host = await t
        .http()
        .post(`/v1/orgs/${world.org.id}/hosts`)
        .set(world.editor.auth)
        .send({ name: `h-${unique()}`, ip: 'localhost', port: 2022 })
        .expect(201);
      const res = await t
        .http()
        .post(base)
        .set(world.editor.auth)
        .send({ name: `c-${unique()}`, hostId: host.body.id, username: 'u', password: 'pw' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ hostId: host.body.id, host: 'localhost', port: 22 });
      const list = await t.http().get(`${base}?hostId=${host.body.id}`).set(world.viewer.auth).expect(200);
      expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
      const foreign = await t
        .http()
        .post(`/v1/orgs/${world.otherOrg.id}/hosts`)
        .set(world.outsider.auth)
        .send({ name: `h-${unique()}`, ip: '127.0.0.1' })
        .expect(201);
      const refused = await create({ host: undefined, hostId: foreign.body.id, password: 'pw' });
      expect(refused.status).toBe(404);
    });

    it('400: neither or both of hostId/host, no credential, a passphrase without a key, invalid fields', async () => {
      const both = await create({ hostId: '0190a000-0000-7000-8000-000000000000', password: 'pw' });
      expect(both.status).toBe(400);
      expect((await create({ host: undefined, password: 'pw' })).status).toBe(400);
      const none = await create({});
      expect(none.status).toBe(400);
      expect(none.body.errors).toEqual([{ field: 'password', messages: [expect.stringContaining('privateKey')] }]);
      expect((await create({ password: 'pw', passphrase: 'x' })).body.errors[0].field).toBe('passphrase');
      const invalid = await create({ name: '', port: 0, username: '', host: 'a b', extra: 1, password: 'pw' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'extra',
        'host',
        'name',
        'port',
        'username',
      ]);
    });

    it('400 naming privateKey for an invalid key, passphrase for an encrypted key without the right one', async () => {
      const garbage = await create({ privateKey: 'not a key' });
      expect(garbage.status).toBe(400);
      expect(garbage.body.errors[0].field).toBe('privateKey');
      const publicOnly = await create({ privateKey: ssh.clientKey.public });
      expect(publicOnly.status).toBe(400);
      expect(publicOnly.body.errors[0].field).toBe('privateKey');
      const missing = await create({ privateKey: ssh.encryptedClientKey.private });
      expect(missing.status).toBe(400);
      expect(missing.body.errors[0].field).toBe('passphrase');
      const wrong = await create({ privateKey: ssh.encryptedClientKey.private, passphrase: 'wrong passphrase' });
      expect(wrong.status).toBe(400);
      expect(wrong.body.errors[0].field).toBe('passphrase');
    });

    it('409 DUPLICATE for a taken name; 422 for link-local and metadata targets', async () => {
      const name = `dup-${unique()}`;
      expect((await withPassword({ name })).status).toBe(201);
      expect((await withPassword({ name })).body.code).toBe('DUPLICATE');
      for (const host of ['169.254.169.254', 'fe80::1']) {
        const res = await withPassword({ host });
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({ code: 'OUTBOUND_URL_REFUSED', errors: [{ field: 'host' }] });
      }
    });

    it('401, 403 for a VIEWER, 404 for a non-member; API keys need connections:write (and own nothing)', async () => {
      await t.http().post(base).send({}).expect(401);
      expect((await withPassword({}, world.viewer)).status).toBe(403);
      expect((await withPassword({}, world.outsider)).status).toBe(404);
      const writer = await serviceApiKey(t, world.org.id, ['connections:write']);
      const body = { name: `k-${unique()}`, host: '127.0.0.1', username: 'u', password: 'pw' };
      const res = await t.http().post(base).set(writer).send(body).expect(201);
      expect(res.body.ownerUserId).toBeNull();
      const reader = await serviceApiKey(t, world.org.id, ['connections:read']);
      await t.http().post(base).set(reader).send(body).expect(403);
      await t.http().get(base).set(reader).expect(200);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 5 connections", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const sealed = (
        await t.asOwner((db) =>
          db.query<{ s: string }>(
            `SELECT "encryptedPassword" AS s FROM ssh_connections WHERE "encryptedPassword" IS NOT NULL LIMIT 1`,
          ),
        )
      ).rows[0]!.s;
      const rows = Array.from({ length: 5 }, (_, i) => ({
        orgId: org.id,
        name: `c${i}`,
        host: '127.0.0.1',
        username: 'u',
        encryptedPassword: sealed,
      }));
      await inOrg(t, org.id, (tx) => tx.sshConnection.createMany({ data: rows }));
      const res = await t
        .http()
        .post(`/v1/orgs/${org.id}/connections`)
        .set(owner.auth)
        .send({ name: 'one more', host: '127.0.0.1', username: 'u', password: 'pw' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      const limits = await t.http().get(`/v1/orgs/${org.id}/limits`).set(owner.auth).expect(200);
      expect(limits.body.limits.connections).toEqual({ limit: 5, used: 5 });
    });
  });

  describe('GET /connections', () => {
    it('lists by name with q and cursor paging (VIEWER); 401, 404', async () => {
      const tag = unique();
      for (const name of [`${tag}-a`, `${tag}-b`, `${tag}-c`]) expect((await withPassword({ name })).status).toBe(201);
      const first = await t.http().get(`${base}?q=${tag}&limit=2`).set(world.viewer.auth).expect(200);
      expect(first.body.data.map((c: { name: string }) => c.name)).toEqual([`${tag}-a`, `${tag}-b`]);
      const next = await t
        .http()
        .get(`${base}?q=${tag}&limit=2&cursor=${first.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(next.body).toEqual({ data: [expect.objectContaining({ name: `${tag}-c` })], nextCursor: null });
      seen(first);
      await t.http().get(`${base}?hostId=nope`).set(world.viewer.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });
  });

  describe('GET, PATCH, DELETE /connections/{connectionId}', () => {
    it('reads one (VIEWER); 404 for another org’s', async () => {
      const connection = (await withPassword()).body;
      expect(await read(connection.id)).toEqual(connection);
      const foreign = await t
        .http()
        .post(`/v1/orgs/${world.otherOrg.id}/connections`)
        .set(world.outsider.auth)
        .send({ name: 'x', host: '127.0.0.1', username: 'u', password: 'pw' })
        .expect(201);
      await t.http().get(`${base}/${foreign.body.id}`).set(world.owner.auth).expect(404);
      expect((await patch(foreign.body.id, { name: 'y' }, world.owner)).status).toBe(404);
      await t.http().delete(`${base}/${foreign.body.id}`).set(world.owner.auth).expect(404);
      expect((await test(foreign.body.id, world.owner)).status).toBe(404);
      await t.http().get(`${base}/${connection.id}`).expect(401);
    });

    it('the owner and ADMIN+ change it; another EDITOR gets 403, a VIEWER 403; audited', async () => {
      const connection = (await withPassword()).body;
      const renamed = await patch(connection.id, { name: `mine-${unique()}`, port: 2222 });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ port: 2222, ownerUserId: world.editor.id });
      const otherEditor = await signUp(t);
      await inOrg(t, world.org.id, (tx) =>
        tx.membership.create({ data: { orgId: world.org.id, userId: otherEditor.id, role: 'EDITOR' } }),
      );
      const refused = await patch(connection.id, { name: 'theirs' }, otherEditor);
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('ADMIN');
      expect((await patch(connection.id, { name: 'viewer' }, world.viewer)).status).toBe(403);
      expect((await patch(connection.id, { port: ssh.port }, world.admin)).status).toBe(200);
      // Another EDITOR still uses it.
      expect((await test(connection.id, otherEditor)).body.ok).toBe(true);
      await t.http().delete(`${base}/${connection.id}`).set(otherEditor.auth).expect(403);
      expect(await auditOf(connection.id)).toEqual([
        'ssh_connection.created',
        'ssh_connection.updated',
        'ssh_connection.updated',
        'ssh_connection.tested',
      ]);
    });

    it('changes credentials: key replaced with its passphrase, password cleared; never no credential', async () => {
      const connection = (await withPassword()).body;
      const keyed = await patch(connection.id, {
        privateKey: ssh.encryptedClientKey.private,
        passphrase: ssh.passphrase,
        password: null,
      });
      expect(keyed.status).toBe(200);
      expect(keyed.body).toMatchObject({ hasPassword: false, hasPrivateKey: true, hasPassphrase: true });
      expect((await test(connection.id)).body.ok).toBe(true);
      expect((await patch(connection.id, { passphrase: 'wrong phrase' })).body.errors[0].field).toBe('passphrase');
      expect((await patch(connection.id, { privateKey: null })).status).toBe(400);
      const plain = await patch(connection.id, { privateKey: ssh.clientKey.private });
      expect(plain.body).toMatchObject({ hasPrivateKey: true, hasPassphrase: false });
      expect((await patch(connection.id, { name: null })).status).toBe(400);
      expect((await patch(connection.id, { host: null })).status).toBe(400);
      expect((await patch(connection.id, { host: '169.254.169.254' })).status).toBe(422);
    });

    it('deletes (owner), audited; 404 after', async () => {
      const connection = (await withPassword()).body;
      expect((await t.http().delete(`${base}/${connection.id}`).set(world.viewer.auth)).status).toBe(403);
      await t.http().delete(`${base}/${connection.id}`).set(world.editor.auth).expect(204);
      await t.http().get(`${base}/${connection.id}`).set(world.editor.auth).expect(404);
      expect(await auditOf(connection.id)).toEqual(['ssh_connection.created', 'ssh_connection.deleted']);
    });
  });

  describe('POST /connections/{connectionId}/test (against an SSH server on loopback)', () => {
    it('password sign-in: ok, latency, the server fingerprint and version, recorded', async () => {
      const connection = (await withPassword()).body;
      const res = await test(connection.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ok: true,
        latencyMs: expect.any(Number),
        fingerprint: ssh.fingerprint,
        serverVersion: 'SSH-2.0-OrgbaseTestSSH_1.0',
      });
      expect(await read(connection.id)).toMatchObject({
        hostKeyFingerprint: ssh.fingerprint,
        lastConnectedAt: expect.any(String),
        lastLatencyMs: res.body.latencyMs,
        lastError: null,
      });
    });

    it('key sign-in, with and without a passphrase', async () => {
      const before = ssh.accepted.filter((m) => m === 'publickey').length;
      const plain = (await create({ privateKey: ssh.clientKey.private })).body;
      expect((await test(plain.id)).body).toMatchObject({ ok: true, fingerprint: ssh.fingerprint });
      const encrypted = (await create({ privateKey: ssh.encryptedClientKey.private, passphrase: ssh.passphrase })).body;
      expect((await test(encrypted.id)).body).toMatchObject({ ok: true });
      expect(ssh.accepted.filter((m) => m === 'publickey').length).toBe(before + 2);
    });

    it('a wrong key or a wrong password: ok false with the reason, recorded, not a 5xx', async () => {
      const stranger = (await create({ privateKey: ssh.strangerKey.private })).body;
      const res = await test(stranger.id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        ok: false,
        error: expect.stringContaining('Authentication failed'),
        fingerprint: ssh.fingerprint,
      });
      const wrong = (await create({ password: 'not-the-password' })).body;
      const refused = await test(wrong.id);
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ ok: false, error: expect.stringContaining('Authentication failed') });
      expect(await read(wrong.id)).toMatchObject({
        lastConnectedAt: null,
        lastError: expect.stringContaining('Authentication failed'),
        hostKeyFingerprint: ssh.fingerprint,
      });
    });

    it('pins the first host key it sees; another key fails before signing in, until the pin changes', async () => {
      const other = await startSshServer();
      try {
        const connection = (await withPassword()).body;
        expect(connection.hostKeyFingerprint).toBeNull();
        expect((await test(connection.id)).body.ok).toBe(true);
        const first = await read(connection.id);
        expect(first.hostKeyFingerprint).toBe(ssh.fingerprint);

        // A pin the server does not match (a reinstalled server, or another machine): refused.
        const pinned = await patch(connection.id, { hostKeyFingerprint: other.fingerprint });
        expect(pinned.body.hostKeyFingerprint).toBe(other.fingerprint);
        const signIns = ssh.accepted.length;
        const refused = await test(connection.id);
        expect(refused.status).toBe(200);
        expect(refused.body).toMatchObject({
          ok: false,
          fingerprint: ssh.fingerprint,
          error: expect.stringContaining("The server's host key changed"),
        });
        expect(ssh.accepted.length).toBe(signIns);
        expect(await read(connection.id)).toMatchObject({
          hostKeyFingerprint: other.fingerprint,
          lastConnectedAt: first.lastConnectedAt,
          lastError: expect.stringContaining('host key changed'),
        });

        // null forgets the pin: the next test pins the key it sees.
        expect((await patch(connection.id, { hostKeyFingerprint: null })).body.hostKeyFingerprint).toBeNull();
        expect((await test(connection.id)).body.ok).toBe(true);
        expect((await read(connection.id)).hostKeyFingerprint).toBe(ssh.fingerprint);

        // Another port is another server: its key is pinned afresh (even by a failed sign-in).
        expect((await patch(connection.id, { port: other.port })).body.hostKeyFingerprint).toBeNull();
        expect((await test(connection.id)).body).toMatchObject({ ok: false, fingerprint: other.fingerprint });
        expect((await read(connection.id)).hostKeyFingerprint).toBe(other.fingerprint);

        // Pinned when created: the first test already checks it.
        const known = (await withPassword({ hostKeyFingerprint: other.fingerprint })).body;
        expect((await test(known.id)).body.error).toContain('host key changed');
        for (const bad of ['MD5:16:27:ac', `SHA256:${'A'.repeat(42)}`, 42])
          expect((await patch(known.id, { hostKeyFingerprint: bad })).status).toBe(400);
      } finally {
        await other.close();
      }
    });

    it('a closed port: ok false, connection refused', async () => {
      const closed = (await withPassword({ port: await closedPort() })).body;
      const res = await test(closed.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: false, latencyMs: expect.any(Number), error: expect.stringContaining('refused') });
    });

    it('422 for a target the policy refuses at test time; 403 for a VIEWER; 401', async () => {
      const connection = (await withPassword()).body;
      await t.asOwner((db) =>
        db.query(`UPDATE ssh_connections SET host = '169.254.169.254' WHERE id = $1`, [connection.id]),
      );
      const res = await test(connection.id);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('OUTBOUND_URL_REFUSED');
      expect((await test(connection.id, world.viewer)).status).toBe(403);
      await t.http().post(`${base}/${connection.id}/test`).expect(401);
    });
  });

  it('no secret in any response, log line or audit entry', async () => {
    const keyBody = (pem: string) => pem.trim().split('\n').slice(1, -1).pop()!;
    await leaks.expectNone(t, 'ssh_connection', [
      ssh.password,
      ssh.passphrase,
      'not-the-password',
      keyBody(ssh.clientKey.private),
      keyBody(ssh.encryptedClientKey.private),
      keyBody(ssh.strangerKey.private),
    ]);
  });
});
