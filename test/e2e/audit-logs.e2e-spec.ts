import { AuditRepository } from '../../src/modules/audit/audit.repository';
import { createOrg, orgWithEveryRole, signUp, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { itInProcess } from '../support/pair';

interface Entry {
  id: string;
  seq: string;
  action: string;
  resourceId: string | null;
  actorId: string | null;
}

describe('audit logs (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/audit-logs`;
  });
  afterAll(() => t.close());

  const createVariable = (user: TestUser, key: string, orgId = world.org.id, userAgent = 'jest') =>
    t.http().post(`/v1/orgs/${orgId}/variables`).set(user.auth).set('User-Agent', userAgent).send({ key, value: key });

  /** A fresh org with a few audited changes, for tests that need a known log. */
  async function orgWithLog() {
    const owner = await signUp(t);
    const org = await createOrg(t, owner);
    const a = await createVariable(owner, 'alpha', org.id, 'agent, "quoted"').expect(201);
    const b = await createVariable(owner, 'beta', org.id).expect(201);
    await t
      .http()
      .patch(`/v1/orgs/${org.id}/variables/${a.body.id}`)
      .set(owner.auth)
      .set('User-Agent', 'patcher/1.0')
      .set('If-Match', a.headers.etag)
      .send({ value: 'x' })
      .expect(200);
    return { owner, org, a: a.body.id as string, b: b.body.id as string, base: `/v1/orgs/${org.id}/audit-logs` };
  }

  describe('GET /v1/orgs/{orgId}/audit-logs', () => {
    it('lists the entries of changes, newest first, with the documented fields', async () => {
      const log = await orgWithLog();
      const res = await t.http().get(log.base).set(log.owner.auth).expect(200);
      expect(res.body.data.map((e: Entry) => e.action)).toEqual([
        'variable.updated',
        'variable.created',
        'variable.created',
      ]);
      expect(res.body.nextCursor).toBeNull();
      const [updated] = res.body.data;
      expect(updated).toEqual({
        id: expect.any(String),
        seq: '3',
        actorType: 'USER',
        actorId: log.owner.id,
        action: 'variable.updated',
        resourceType: 'variable',
        resourceId: log.a,
        before: expect.objectContaining({ key: 'alpha', value: 'alpha' }),
        after: expect.objectContaining({ key: 'alpha', value: 'x' }),
        ip: expect.any(String),
        userAgent: 'patcher/1.0',
        requestId: expect.any(String),
        createdAt: expect.any(String),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        prevHash: res.body.data[1].hash,
      });
    });

    it('filters by action, resource, actor and time, and pages with a cursor', async () => {
      const log = await orgWithLog();
      const get = (query: string) => t.http().get(`${log.base}?${query}`).set(log.owner.auth).expect(200);
      const ids = (res: { body: { data: Entry[] } }) => res.body.data.map((e) => e.resourceId);

      expect(ids(await get('action=variable.created'))).toEqual([log.b, log.a]);
      expect(ids(await get(`resourceType=variable&resourceId=${log.a}`))).toEqual([log.a, log.a]);
      expect((await get(`actorId=${log.owner.id}`)).body.data).toHaveLength(3);
      expect((await get(`actorId=${world.admin.id}`)).body.data).toHaveLength(0);
      expect((await get(`from=${new Date(Date.now() + 60_000).toISOString()}`)).body.data).toHaveLength(0);
      expect((await get(`to=${new Date(Date.now() + 60_000).toISOString()}`)).body.data).toHaveLength(3);

      const first = await get('limit=2');
      expect(first.body.data.map((e: Entry) => e.seq)).toEqual(['3', '2']);
      const second = await get(`limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body).toEqual({ data: [expect.objectContaining({ seq: '1' })], nextCursor: null });
    });

    it('400 on bad filters or cursor', async () => {
      for (const query of ['actorId=nope', 'from=yesterday', 'limit=0', 'cursor=garbage', 'unknown=1']) {
        const res = await t.http().get(`${base}?${query}`).set(world.admin.auth);
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
      }
    });

    it('401 anonymous, 403 EDITOR, 404 non-member; an API key needs audit-logs:read', async () => {
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.editor.auth).expect(403);
      await t.http().get(base).set(world.outsider.auth).expect(404);
      const keys = `/v1/orgs/${world.org.id}/api-keys`;
      const reader = await t
        .http()
        .post(keys)
        .set(world.owner.auth)
        .send({ name: 'a', scopes: ['audit-logs:read'] });
      const other = await t
        .http()
        .post(keys)
        .set(world.owner.auth)
        .send({ name: 'b', scopes: ['variables:read'] });
      const res = await t
        .http()
        .get(base)
        .set({ Authorization: `Bearer ${reader.body.key}` })
        .expect(200);
      expect(res.body.data[0]).toMatchObject({ action: 'api_key.created', resourceId: other.body.id });
      await t
        .http()
        .get(base)
        .set({ Authorization: `Bearer ${other.body.key}` })
        .expect(403);
    });

    it("does not show another org's entries", async () => {
      const theirs = await createVariable(world.outsider, 'not_yours', world.otherOrg.id).expect(201);
      const res = await t.http().get(`${base}?resourceId=${theirs.body.id}`).set(world.owner.auth).expect(200);
      expect(res.body.data).toEqual([]);
    });
  });

  describe('GET /v1/orgs/{orgId}/audit-logs/export', () => {
    it('exports NDJSON oldest first, with the filters', async () => {
      const log = await orgWithLog();
      const res = await t.http().get(`${log.base}/export?format=ndjson`).set(log.owner.auth).expect(200);
      expect(res.headers['content-type']).toContain('application/x-ndjson');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.ndjson"$/);
      const lines = res.text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Entry);
      expect(lines.map((e) => [e.seq, e.action])).toEqual([
        ['1', 'variable.created'],
        ['2', 'variable.created'],
        ['3', 'variable.updated'],
      ]);
      const filtered = await t.http().get(`${log.base}/export?action=variable.updated`).set(log.owner.auth).expect(200);
      expect(filtered.text.trimEnd().split('\n')).toHaveLength(1);
    });

    it('exports CSV with a header and RFC 4180 quoting', async () => {
      const log = await orgWithLog();
      const res = await t.http().get(`${log.base}/export?format=csv`).set(log.owner.auth).expect(200);
      expect(res.headers['content-type']).toContain('text/csv');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.csv"$/);
      expect(
        res.text.startsWith('id,seq,createdAt,actorType,actorId,action,resourceType,resourceId,before,after,'),
      ).toBe(true);
      // The first entry's user agent has a comma and quotes; its JSON has quotes.
      expect(res.text).toContain('"agent, ""quoted"""');
      expect(res.text).toContain('"{""id"":');
      // Header + 3 records.
      expect(res.text.split('\r\n').filter(Boolean)).toHaveLength(4);
    });

    it('streams more rows than one page, in order', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      // Raw rows (no valid hashes: only the export is under test here).
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO audit_logs (id, "orgId", seq, "actorType", action, "resourceType", hash)
           SELECT gen_random_uuid(), $1, s, 'SYSTEM', 'bulk.row', 'bulk', md5(s::text) FROM generate_series(1, 1234) AS s`,
          [org.id],
        ),
      );
      const res = await t.http().get(`/v1/orgs/${org.id}/audit-logs/export`).set(owner.auth).expect(200);
      const seqs = res.text
        .trimEnd()
        .split('\n')
        .map((line) => Number((JSON.parse(line) as Entry).seq));
      expect(seqs).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1));
    });

    itInProcess('a failure mid-stream aborts that response and nothing else', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO audit_logs (id, "orgId", seq, "actorType", action, "resourceType", hash)
           SELECT gen_random_uuid(), $1, s, 'SYSTEM', 'bulk.row', 'bulk', md5(s::text) FROM generate_series(1, 600) AS s`,
          [org.id],
        ),
      );
      const repository = t.app.get(AuditRepository);
      const original = repository.listAscending.bind(repository);
      let calls = 0;
      const spy = jest.spyOn(repository, 'listAscending').mockImplementation((...args) => {
        calls += 1;
        return calls === 1 ? original(...args) : Promise.reject(new Error('connection lost'));
      });
      try {
        const outcome = await t
          .http()
          .get(`/v1/orgs/${org.id}/audit-logs/export`)
          .set(owner.auth)
          .then(
            (res) => `answered ${res.status} with ${res.text.trimEnd().split('\n').length} lines`,
            (error: Error) => `aborted: ${error.message}`,
          );
        // Aborted, so a truncated export cannot pass for a complete one.
        expect(outcome).toMatch(/^aborted/);
      } finally {
        spy.mockRestore();
      }
      await t.http().get(`/v1/orgs/${org.id}/audit-logs/export`).set(owner.auth).expect(200);
    });

    it('an empty export is empty (CSV: header only)', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const ndjson = await t.http().get(`/v1/orgs/${org.id}/audit-logs/export`).set(owner.auth).expect(200);
      expect(ndjson.text).toBe('');
      const csv = await t.http().get(`/v1/orgs/${org.id}/audit-logs/export?format=csv`).set(owner.auth).expect(200);
      expect(csv.text.split('\r\n').filter(Boolean)).toHaveLength(1);
    });

    it('400 bad format, 401, 403 EDITOR, 404 non-member', async () => {
      const res = await t.http().get(`${base}/export?format=xml`).set(world.admin.auth).expect(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      await t.http().get(`${base}/export`).expect(401);
      await t.http().get(`${base}/export`).set(world.editor.auth).expect(403);
      await t.http().get(`${base}/export`).set(world.outsider.auth).expect(404);
    });
  });

  describe('GET /v1/orgs/{orgId}/audit-logs/verify and append-only storage', () => {
    it('is valid for an untouched chain, and names the row altered behind the API', async () => {
      const log = await orgWithLog();
      const ok = await t.http().get(`${log.base}/verify`).set(log.owner.auth).expect(200);
      expect(ok.body).toEqual({ valid: true, checked: 3 });

      const second = await t.asOwner((db) =>
        db.query<{ id: string }>('SELECT id FROM audit_logs WHERE "orgId" = $1 AND seq = 2', [log.org.id]),
      );
      const id = second.rows[0]!.id;
      await t.asOwner((db) => db.query('UPDATE audit_logs SET action = $1 WHERE id = $2', ['variable.deleted', id]));
      const bad = await t.http().get(`${log.base}/verify`).set(log.owner.auth).expect(200);
      expect(bad.body).toEqual({ valid: false, checked: 2, firstInvalidId: id });

      // Other orgs' chains are unaffected.
      const mine = await t.http().get(`${base}/verify`).set(world.admin.auth).expect(200);
      expect(mine.body.valid).toBe(true);
    });

    it('detects a deleted row', async () => {
      const log = await orgWithLog();
      const rows = await t.asOwner((db) =>
        db.query<{ id: string }>('SELECT id FROM audit_logs WHERE "orgId" = $1 ORDER BY seq', [log.org.id]),
      );
      await t.asOwner((db) => db.query('DELETE FROM audit_logs WHERE id = $1', [rows.rows[1]!.id]));
      const res = await t.http().get(`${log.base}/verify`).set(log.owner.auth).expect(200);
      expect(res.body).toEqual({ valid: false, checked: 2, firstInvalidId: rows.rows[2]!.id });
    });

    it("the server's own database role can neither UPDATE nor DELETE audit rows", async () => {
      const log = await orgWithLog();
      const asServer = (
        work: (tx: Parameters<Parameters<TestApp['prisma']['$transaction']>[0]>[0]) => Promise<unknown>,
      ) =>
        t.prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT set_config('app.org_id', ${log.org.id}, true)`;
          return work(tx);
        });
      await expect(
        asServer((tx) => tx.$executeRaw`UPDATE audit_logs SET action = 'forged' WHERE "orgId" = ${log.org.id}::uuid`),
      ).rejects.toThrow(/permission denied/i);
      await expect(
        asServer((tx) => tx.$executeRaw`DELETE FROM audit_logs WHERE "orgId" = ${log.org.id}::uuid`),
      ).rejects.toThrow(/permission denied/i);
      const ok = await t.http().get(`${log.base}/verify`).set(log.owner.auth).expect(200);
      expect(ok.body).toEqual({ valid: true, checked: 3 });
    });

    it('401, 403 EDITOR, 404 non-member', async () => {
      await t.http().get(`${base}/verify`).expect(401);
      await t.http().get(`${base}/verify`).set(world.editor.auth).expect(403);
      await t.http().get(`${base}/verify`).set(world.outsider.auth).expect(404);
    });
  });
});
