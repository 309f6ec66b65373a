import { orgWithEveryRole, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('variables (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/variables`;
  });
  afterAll(() => t.close());

  const create = (user: TestUser, body: Record<string, unknown>, orgBase = base) =>
    t.http().post(orgBase).set(user.auth).send(body);

  describe('POST /v1/orgs/{orgId}/variables', () => {
    it('creates a variable (EDITOR) and audits it', async () => {
      const res = await create(world.editor, {
        key: 'greeting',
        value: 'Hello',
        description: 'Used in prompts',
      }).expect(201);
      expect(res.body).toMatchObject({
        key: 'greeting',
        value: 'Hello',
        orgId: world.org.id,
        createdByUserId: world.editor.id,
      });
      const audit = await t.asOwner((db) =>
        db.query<{ action: string; actorId: string }>(
          'SELECT action, "actorId" FROM audit_logs WHERE "resourceId" = $1',
          [res.body.id],
        ),
      );
      expect(audit.rows).toEqual([{ action: 'variable.created', actorId: world.editor.id }]);
    });

    it('rejects invalid fields with VALIDATION_FAILED', async () => {
      const res = await create(world.editor, { key: '1 bad key', value: 42, extra: true }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'key', 'value']);
    });

    it('answers 409 DUPLICATE for a key already in the org, and writes no audit entry', async () => {
      await create(world.editor, { key: 'dup', value: '1' }).expect(201);
      const before = await t.asOwner((db) => db.query('SELECT count(*)::int AS n FROM audit_logs'));
      const res = await create(world.admin, { key: 'dup', value: '2' }).expect(409);
      expect(res.body).toMatchObject({ code: 'DUPLICATE', detail: 'A record with this key already exists' });
      const after = await t.asOwner((db) => db.query('SELECT count(*)::int AS n FROM audit_logs'));
      expect(after.rows).toEqual(before.rows);
    });

    it('allows the same key in another org', async () => {
      await create(world.editor, { key: 'shared-name', value: '1' }).expect(201);
      await create(
        world.outsider,
        { key: 'shared-name', value: '2' },
        `/v1/orgs/${world.otherOrg.id}/variables`,
      ).expect(201);
    });

    it('401 without credentials', async () => {
      const res = await t.http().post(base).send({ key: 'x', value: 'y' }).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it('403 for a VIEWER', async () => {
      const res = await create(world.viewer, { key: 'nope', value: 'y' }).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });

    it('404 for a non-member', async () => {
      await create(world.outsider, { key: 'nope', value: 'y' }).expect(404);
    });
  });

  describe('GET list and item', () => {
    it('lists by key with cursor paging, and searches', async () => {
      for (const key of ['page_a', 'page_b', 'page_c']) await create(world.editor, { key, value: key }).expect(201);
      const first = await t.http().get(`${base}?limit=2&q=page_`).set(world.viewer.auth).expect(200);
      expect(first.body.data.map((v: { key: string }) => v.key)).toEqual(['page_a', 'page_b']);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t
        .http()
        .get(`${base}?limit=2&q=page_&cursor=${first.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(second.body).toEqual({ data: [expect.objectContaining({ key: 'page_c' })], nextCursor: null });
    });

    it('rejects a bad limit or cursor', async () => {
      await t.http().get(`${base}?limit=500`).set(world.viewer.auth).expect(400);
      await t.http().get(`${base}?cursor=garbage`).set(world.viewer.auth).expect(400);
    });

    it("gets one variable; another org's id is 404", async () => {
      const mine = await create(world.editor, { key: 'getme', value: 'v' }).expect(201);
      await t.http().get(`${base}/${mine.body.id}`).set(world.viewer.auth).expect(200);
      const theirs = await create(
        world.outsider,
        { key: 'theirs', value: 'v' },
        `/v1/orgs/${world.otherOrg.id}/variables`,
      ).expect(201);
      await t.http().get(`${base}/${theirs.body.id}`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/not-a-uuid`).set(world.owner.auth).expect(404);
    });

    it('401 and 404 for strangers', async () => {
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });
  });

  describe('PATCH and DELETE', () => {
    it('updates (EDITOR) with before/after in the audit log', async () => {
      const created = await create(world.editor, { key: 'patchme', value: 'old' }).expect(201);
      const res = await t
        .http()
        .patch(`${base}/${created.body.id}`)
        .set(world.admin.auth)
        .send({ value: 'new' })
        .expect(200);
      expect(res.body.value).toBe('new');
      const audit = await t.asOwner((db) =>
        db.query<{ before: { value: string }; after: { value: string } }>(
          `SELECT before, after FROM audit_logs WHERE "resourceId" = $1 AND action = 'variable.updated'`,
          [created.body.id],
        ),
      );
      expect(audit.rows[0]).toMatchObject({ before: { value: 'old' }, after: { value: 'new' } });
    });

    it('validates, refuses viewers and other orgs, and 409s on a taken key', async () => {
      const created = await create(world.editor, { key: 'patch2', value: 'v' }).expect(201);
      await create(world.editor, { key: 'taken', value: 'v' }).expect(201);
      await t.http().patch(`${base}/${created.body.id}`).set(world.editor.auth).send({ value: 7 }).expect(400);
      await t.http().patch(`${base}/${created.body.id}`).set(world.viewer.auth).send({ value: 'x' }).expect(403);
      await t.http().patch(`${base}/${created.body.id}`).send({ value: 'x' }).expect(401);
      await t
        .http()
        .patch(`/v1/orgs/${world.otherOrg.id}/variables/${created.body.id}`)
        .set(world.outsider.auth)
        .send({ value: 'x' })
        .expect(404);
      await t.http().patch(`${base}/${created.body.id}`).set(world.editor.auth).send({ key: 'taken' }).expect(409);
    });

    it('deletes (EDITOR); then 404', async () => {
      const created = await create(world.editor, { key: 'deleteme', value: 'v' }).expect(201);
      await t.http().delete(`${base}/${created.body.id}`).set(world.viewer.auth).expect(403);
      await t.http().delete(`${base}/${created.body.id}`).expect(401);
      await t
        .http()
        .delete(`/v1/orgs/${world.otherOrg.id}/variables/${created.body.id}`)
        .set(world.outsider.auth)
        .expect(404);
      await t.http().delete(`${base}/${created.body.id}`).set(world.editor.auth).expect(204);
      await t.http().get(`${base}/${created.body.id}`).set(world.editor.auth).expect(404);
    });
  });

  describe('row-level security', () => {
    it('hides tenant rows from a query without org context', async () => {
      await create(world.editor, { key: 'rls_probe', value: 'v' }).expect(201);
      const owner = await t.asOwner((db) =>
        db.query<{ n: number }>(`SELECT count(*)::int AS n FROM variables WHERE key = 'rls_probe'`),
      );
      expect(owner.rows[0]!.n).toBe(1);
      expect(await t.prisma.variable.findMany({ where: { key: 'rls_probe' } })).toEqual([]);
      expect(await t.prisma.membership.count()).toBe(0);
    });

    it('refuses a write into another org even when the query names it', async () => {
      await expect(
        t.prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT set_config('app.org_id', ${world.org.id}, true)`;
          await tx.variable.create({ data: { orgId: world.otherOrg.id, key: 'smuggled', value: 'v' } });
        }),
      ).rejects.toThrow();
    });
    // Forced RLS on every table the app role can read: test/e2e/identity-rls.e2e-spec.ts.
  });
});
