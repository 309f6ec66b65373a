import { createOrg, inOrg, orgWithEveryRole, signUp, type TestUser } from '../factories';
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
  /** PATCH with If-Match `etag` (the ETag as read), or none when `etag` is null. */
  const patch = (user: TestUser, id: string, body: Record<string, unknown>, etag: string | null = '"1"') => {
    const req = t.http().patch(`${base}/${id}`).set(user.auth);
    return (etag === null ? req : req.set('If-Match', etag)).send(body);
  };
  const auditOf = (id: string, action: string) =>
    t.asOwner((db) =>
      db.query<{ before: Record<string, unknown>; after: Record<string, unknown> }>(
        `SELECT before, after FROM audit_logs WHERE "resourceId" = $1 AND action = $2 ORDER BY seq`,
        [id, action],
      ),
    );

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
        version: 1,
        orgId: world.org.id,
        createdByUserId: world.editor.id,
      });
      expect(res.headers.etag).toBe('"1"');
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

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 100 variables", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 99 }, (_, i) => ({ orgId: org.id, key: `v${i}`, value: 'v' }));
      await inOrg(t, org.id, (tx) => tx.variable.createMany({ data: rows }));
      const orgBase = `/v1/orgs/${org.id}/variables`;
      await create(owner, { key: 'hundredth', value: 'v' }, orgBase).expect(201);
      const res = await create(owner, { key: 'one_too_many', value: 'v' }, orgBase).expect(403);
      expect(res.body).toMatchObject({
        code: 'PLAN_LIMIT_REACHED',
        detail: expect.stringContaining('FREE plan allows 100'),
      });
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
      const got = await t.http().get(`${base}/${mine.body.id}`).set(world.viewer.auth).expect(200);
      expect(got.body).toEqual(mine.body);
      expect(got.headers.etag).toBe('"1"');
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
    it('updates (EDITOR) with If-Match, bumps the version and ETag, and audits the exact before/after', async () => {
      const created = await create(world.editor, { key: 'patchme', value: 'old' }).expect(201);
      const res = await patch(world.admin, created.body.id, { value: 'new' }, created.headers.etag).expect(200);
      expect(res.body).toMatchObject({ value: 'new', version: 2 });
      expect(res.headers.etag).toBe('"2"');
      const audit = await auditOf(created.body.id, 'variable.updated');
      expect(audit.rows).toEqual([
        {
          before: expect.objectContaining({ value: 'old', version: 1 }),
          after: expect.objectContaining({ value: 'new', version: 2 }),
        },
      ]);
    });

    it('validates, refuses viewers and other orgs, and 409s on a taken key without an audit entry', async () => {
      const created = await create(world.editor, { key: 'patch2', value: 'v' }).expect(201);
      await create(world.editor, { key: 'taken', value: 'v' }).expect(201);
      await patch(world.editor, created.body.id, { value: 7 }).expect(400);
      await patch(world.viewer, created.body.id, { value: 'x' }).expect(403);
      await t.http().patch(`${base}/${created.body.id}`).set('If-Match', '"1"').send({ value: 'x' }).expect(401);
      await t
        .http()
        .patch(`/v1/orgs/${world.otherOrg.id}/variables/${created.body.id}`)
        .set(world.outsider.auth)
        .set('If-Match', '"1"')
        .send({ value: 'x' })
        .expect(404);
      await patch(world.editor, created.body.id, { key: 'taken' }).expect(409);
      expect((await auditOf(created.body.id, 'variable.updated')).rows).toEqual([]);
    });

    it('428 PRECONDITION_REQUIRED without If-Match, 400 on a malformed one; nothing changes', async () => {
      const created = await create(world.editor, { key: 'unconditional', value: 'v' }).expect(201);
      const res = await patch(world.editor, created.body.id, { value: 'x' }, null).expect(428);
      expect(res.body).toMatchObject({ code: 'PRECONDITION_REQUIRED', status: 428 });
      expect(res.headers['content-type']).toContain('application/problem+json');
      for (const malformed of ['1', '"one"', '"1", 2', 'W/']) {
        const bad = await patch(world.editor, created.body.id, { value: 'x' }, malformed).expect(400);
        expect(bad.body.errors).toEqual([{ field: 'If-Match', messages: [expect.any(String)] }]);
      }
      await t.http().delete(`${base}/${created.body.id}`).set(world.editor.auth).expect(428);
      const unchanged = await t.http().get(`${base}/${created.body.id}`).set(world.editor.auth).expect(200);
      expect(unchanged.body).toMatchObject({ value: 'v', version: 1 });
      expect((await auditOf(created.body.id, 'variable.updated')).rows).toEqual([]);
    });

    it('412 VERSION_CONFLICT on a stale If-Match (also weak or listed ones); * matches any version', async () => {
      const created = await create(world.editor, { key: 'versioned', value: 'v1' }).expect(201);
      await patch(world.editor, created.body.id, { value: 'v2' }, '"1"').expect(200);
      for (const stale of ['"1"', 'W/"2"', '"1", "3"']) {
        const res = await patch(world.editor, created.body.id, { value: 'lost' }, stale).expect(412);
        expect(res.body).toMatchObject({ code: 'VERSION_CONFLICT', status: 412 });
      }
      await patch(world.editor, created.body.id, { value: 'v3' }, '"7", "2"').expect(200);
      const forced = await patch(world.editor, created.body.id, { value: 'v4' }, '*').expect(200);
      expect(forced.body).toMatchObject({ value: 'v4', version: 4 });
      await t.http().delete(`${base}/${created.body.id}`).set(world.editor.auth).set('If-Match', '"3"').expect(412);
      expect((await auditOf(created.body.id, 'variable.updated')).rows).toHaveLength(3);
      expect((await auditOf(created.body.id, 'variable.deleted')).rows).toEqual([]);
    });

    it('of two concurrent updates with the same If-Match, one wins and the other gets 412', async () => {
      const created = await create(world.editor, { key: 'race', value: 'start' }).expect(201);
      const answers = await Promise.all(
        ['left', 'right'].map((value) => patch(world.editor, created.body.id, { value }, '"1"')),
      );
      expect(answers.map((res) => res.status).sort()).toEqual([200, 412]);
      const winner = answers.find((res) => res.status === 200)!.body;
      const audit = await auditOf(created.body.id, 'variable.updated');
      expect(audit.rows).toEqual([
        {
          before: expect.objectContaining({ value: 'start', version: 1 }),
          after: expect.objectContaining({ value: winner.value, version: 2 }),
        },
      ]);
    });

    it('audits concurrent unconditional updates each with the exact state it replaced', async () => {
      const created = await create(world.editor, { key: 'race_any', value: 'start' }).expect(201);
      const values = ['a', 'b', 'c', 'd'];
      const answers = await Promise.all(values.map((value) => patch(world.editor, created.body.id, { value }, '*')));
      expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200]);
      expect(answers.map((res) => res.body.version).sort()).toEqual([2, 3, 4, 5]);
      const audit = (await auditOf(created.body.id, 'variable.updated')).rows;
      expect(audit.map((entry) => entry.before.version)).toEqual([1, 2, 3, 4]);
      expect(audit[0]!.before).toMatchObject({ value: 'start' });
      // Each update replaced exactly what the one before it wrote.
      for (let i = 1; i < audit.length; i++) expect(audit[i]!.before).toEqual(audit[i - 1]!.after);
    });

    it('deletes (EDITOR) with If-Match; then 404', async () => {
      const created = await create(world.editor, { key: 'deleteme', value: 'v' }).expect(201);
      const del = (auth: Record<string, string>, url = `${base}/${created.body.id}`) =>
        t.http().delete(url).set(auth).set('If-Match', '"1"');
      await del(world.viewer.auth).expect(403);
      await del({}).expect(401);
      await del(world.outsider.auth, `/v1/orgs/${world.otherOrg.id}/variables/${created.body.id}`).expect(404);
      await del(world.editor.auth).expect(204);
      await t.http().get(`${base}/${created.body.id}`).set(world.editor.auth).expect(404);
      await del(world.editor.auth).expect(404);
      const audit = await auditOf(created.body.id, 'variable.deleted');
      expect(audit.rows).toEqual([{ before: expect.objectContaining({ key: 'deleteme', version: 1 }), after: null }]);
    });

    it('documents If-Match, ETag, 412 and 428 in OpenAPI', async () => {
      const spec = (await t.http().get('/docs/openapi.json').expect(200)).body;
      const item = spec.paths['/v1/orgs/{orgId}/variables/{variableId}'];
      for (const method of ['patch', 'delete']) {
        expect(item[method].parameters).toContainEqual(
          expect.objectContaining({ name: 'If-Match', in: 'header', required: true }),
        );
        expect(Object.keys(item[method].responses)).toEqual(expect.arrayContaining(['412', '428']));
      }
      expect(item.get.responses['200'].headers).toHaveProperty('ETag');
      expect(item.patch.responses['200'].headers).toHaveProperty('ETag');
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
