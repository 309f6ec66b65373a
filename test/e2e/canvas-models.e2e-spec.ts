import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const SCHEMA = {
  type: 'object',
  required: ['title'],
  properties: { title: { type: 'string' }, site: { type: 'string', format: 'uri' } },
};

describe('canvas models (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/canvas-models`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/canvas-models`;
    // This file makes more models than the FREE plan's 10; the limit has its own test below.
    await t.asOwner((db) =>
      db.query(`UPDATE organizations SET limits = '{"canvasModels": null}' WHERE id = $1`, [world.org.id]),
    );
  });
  afterAll(() => t.close());

  const create = (user: TestUser, body: Record<string, unknown>, orgBase = base) =>
    t.http().post(orgBase).set(user.auth).send(body);
  const model = async (body: Record<string, unknown> = {}, orgBase = base, user = world.editor) =>
    (await create(user, { name: `m-${unique()}`, schema: SCHEMA, ...body }, orgBase).expect(201)).body;
  const withEtag = <R extends { set: (h: string, v: string) => R }>(req: R, etag: string | null) =>
    etag === null ? req : req.set('If-Match', etag);
  const patch = (id: string, body: Record<string, unknown>, etag: string | null, user = world.editor) =>
    withEtag(t.http().patch(`${base}/${id}`).set(user.auth), etag).send(body);
  const action = (id: string, verb: 'publish' | 'restore', etag: string | null, user = world.editor) =>
    withEtag(t.http().post(`${base}/${id}/${verb}`).set(user.auth), etag);
  const del = (id: string, etag: string | null, user = world.editor) =>
    withEtag(t.http().delete(`${base}/${id}`).set(user.auth), etag);
  const versions = (id: string) => t.http().get(`${base}/${id}/versions`).set(world.viewer.auth);
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  describe('POST /canvas-models', () => {
    it('creates an unpublished model (EDITOR) with its ETag, and audits it', async () => {
      const res = await create(world.editor, { name: 'Lean canvas', description: 'Nine blocks', schema: SCHEMA });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'Lean canvas',
        description: 'Nine blocks',
        schema: SCHEMA,
        version: 1,
        isPublished: false,
        publishedAt: null,
        deletedAt: null,
        orgId: world.org.id,
        createdByUserId: world.editor.id,
      });
      expect(res.headers.etag).toBe('"1"');
      expect((await versions(res.body.id).expect(200)).body).toEqual({ data: [], nextCursor: null });
      expect(await auditActions(res.body.id)).toEqual(['canvas_model.created']);
    });

    it('400 on invalid fields, and on a schema that is not JSON Schema 2020-12 (naming ajv errors)', async () => {
      const res = await create(world.editor, { name: '', schema: 'nope', extra: 1 }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name', 'schema']);
      const badType = await create(world.editor, { name: 'x', schema: { type: 'banana' } }).expect(400);
      expect(badType.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(badType.body.errors).toEqual([{ field: 'schema', messages: [expect.stringMatching(/type/)] }]);
      // strict: an unknown keyword or format is a mistake, not silently ignored.
      const typo = await create(world.editor, { name: 'x', schema: { type: 'object', propertees: {} } }).expect(400);
      expect(typo.body.errors[0].messages[0]).toMatch(/propertees/);
      await create(world.editor, { name: 'x', schema: { type: 'string', format: 'no-such-format' } }).expect(400);
      const huge = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-${i}`, i]));
      const tooBig = await create(world.editor, { name: 'x', schema: huge }).expect(400);
      expect(tooBig.body.errors).toEqual([{ field: 'schema', messages: ['schema may have at most 100 keys'] }]);
      // The same $id may be saved twice (ajv does not keep it between saves).
      const withId = { $id: 'https://example.com/canvas', type: 'object' };
      await model({ schema: withId });
      await model({ schema: withId });
    });

    it('401 without credentials, 403 for a VIEWER, 404 for a non-member; API keys need canvases:write', async () => {
      await t.http().post(base).send({ name: 'x', schema: {} }).expect(401);
      expect((await create(world.viewer, { name: 'x', schema: {} }).expect(403)).body.code).toBe('FORBIDDEN');
      await create(world.outsider, { name: 'x', schema: {} }).expect(404);
      const reader = await serviceApiKey(t, world.org.id, ['canvases:read']);
      await t.http().post(base).set(reader).send({ name: 'x', schema: {} }).expect(403);
      await t.http().get(base).set(reader).expect(200);
      const writer = await serviceApiKey(t, world.org.id, ['canvases:write']);
      await t.http().post(base).set(writer).send({ name: 'by-key', schema: {} }).expect(201);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 10 live models; deleted ones do not count", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 10 }, (_, i) => ({ orgId: org.id, name: `m${i}` }));
      await inOrg(t, org.id, (tx) => tx.canvasModel.createMany({ data: rows }));
      const orgBase = `/v1/orgs/${org.id}/canvas-models`;
      const res = await create(owner, { name: 'one-too-many', schema: {} }, orgBase).expect(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      await inOrg(t, org.id, (tx) =>
        tx.canvasModel.updateMany({ where: { name: 'm0' }, data: { deletedAt: new Date() } }),
      );
      const fits = await model({ name: 'fits-now' }, orgBase, owner);
      // Restoring would make 11 live models again.
      await t.http().delete(`${orgBase}/${fits.id}`).set(owner.auth).set('If-Match', '*').expect(204);
      await create(owner, { name: 'fills-it', schema: {} }, orgBase).expect(201);
      const full = await t.http().post(`${orgBase}/${fits.id}/restore`).set(owner.auth).set('If-Match', '*');
      expect([full.status, full.body.code]).toEqual([403, 'PLAN_LIMIT_REACHED']);
    });
  });

  describe('GET /canvas-models and /canvas-models/{modelId}', () => {
    it('lists newest change first with cursor paging; 400 on a bad cursor; 401; 404 non-member', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}/canvas-models`;
      const [a, b, c] = [
        await model({}, orgBase, owner),
        await model({}, orgBase, owner),
        await model({}, orgBase, owner),
      ];
      const first = await t.http().get(`${orgBase}?limit=2`).set(owner.auth).expect(200);
      expect(first.body.data.map((m: { id: string }) => m.id)).toEqual([c.id, b.id]);
      const second = await t.http().get(`${orgBase}?limit=2&cursor=${first.body.nextCursor}`).set(owner.auth);
      expect(second.body).toEqual({ data: [expect.objectContaining({ id: a.id })], nextCursor: null });
      await t.http().get(`${orgBase}?cursor=bad`).set(owner.auth).expect(400);
      await t.http().get(`${orgBase}?deleted=maybe`).set(owner.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });

    it("gets one with its ETag (VIEWER); another org's id and a non-uuid are 404", async () => {
      const mine = await model();
      const got = await t.http().get(`${base}/${mine.id}`).set(world.viewer.auth).expect(200);
      expect(got.body).toEqual(mine);
      expect(got.headers.etag).toBe('"1"');
      const theirs = await model({}, otherBase, world.outsider);
      await t.http().get(`${base}/${theirs.id}`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/not-a-uuid`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/${theirs.id}/versions`).set(world.owner.auth).expect(404);
    });
  });

  describe('PATCH /canvas-models/{modelId}', () => {
    it('changes fields with If-Match and bumps the ETag; 428 without, 412 when stale; audited', async () => {
      const m = await model();
      const res = await patch(m.id, { name: 'Renamed', description: null }, '"1"').expect(200);
      expect(res.body).toMatchObject({ name: 'Renamed', description: null, version: 2, schema: SCHEMA });
      expect(res.headers.etag).toBe('"2"');
      await patch(m.id, { name: 'x' }, null).expect(428);
      expect((await patch(m.id, { name: 'x' }, '"1"').expect(412)).body.code).toBe('VERSION_CONFLICT');
      expect(await auditActions(m.id)).toEqual(['canvas_model.created', 'canvas_model.updated']);
    });

    it('400 on null name or schema and on an invalid schema; 401, 403 VIEWER, 404 other org', async () => {
      const m = await model();
      const nulls = await patch(m.id, { name: null, schema: null }, '"1"').expect(400);
      expect(nulls.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'schema']);
      const bad = await patch(m.id, { schema: { minimum: 'ten' } }, '"1"').expect(400);
      expect(bad.body.errors[0].field).toBe('schema');
      await t.http().patch(`${base}/${m.id}`).set('If-Match', '"1"').send({ name: 'x' }).expect(401);
      await patch(m.id, { name: 'x' }, '"1"', world.viewer).expect(403);
      const theirs = await model({}, otherBase, world.outsider);
      await patch(theirs.id, { name: 'x' }, '*', world.owner).expect(404);
      expect((await t.http().get(`${base}/${m.id}`).set(world.viewer.auth)).body.version).toBe(1);
    });
  });

  describe('publish and versions', () => {
    it('publish freezes the current schema as the next version; later edits leave versions as they were', async () => {
      const m = await model();
      const first = await action(m.id, 'publish', '"1"').expect(200);
      expect(first.body).toMatchObject({ isPublished: true, version: 2, publishedAt: expect.any(String) });
      expect(first.headers.etag).toBe('"2"');
      const changed = { ...SCHEMA, required: ['title', 'site'] };
      await patch(m.id, { schema: changed }, '"2"').expect(200);
      await action(m.id, 'publish', '"3"').expect(200);
      const list = await versions(m.id).expect(200);
      expect(list.body.data.map((v: { version: number; schema: unknown }) => [v.version, v.schema])).toEqual([
        [2, changed],
        [1, SCHEMA],
      ]);
      expect(list.body.data[1]).toMatchObject({ modelId: m.id, createdByUserId: world.editor.id });
      const paged = await t.http().get(`${base}/${m.id}/versions?limit=1`).set(world.viewer.auth).expect(200);
      expect(paged.body.data.map((v: { version: number }) => v.version)).toEqual([2]);
      const rest = await t
        .http()
        .get(`${base}/${m.id}/versions?limit=1&cursor=${paged.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(rest.body).toEqual({ data: [expect.objectContaining({ version: 1 })], nextCursor: null });
      // Published versions are immutable in the database too.
      await expect(
        t.asOwner((db) => db.query(`UPDATE canvas_model_versions SET schema = '{}' WHERE "modelId" = $1`, [m.id])),
      ).rejects.toThrow();
      expect(await auditActions(m.id)).toContain('canvas_model.published');
    });

    it('428 without If-Match, 412 when stale, 401, 403 VIEWER, 404 other org', async () => {
      const m = await model();
      await action(m.id, 'publish', null).expect(428);
      await action(m.id, 'publish', '"9"').expect(412);
      await t.http().post(`${base}/${m.id}/publish`).set('If-Match', '*').expect(401);
      await action(m.id, 'publish', '*', world.viewer).expect(403);
      const theirs = await model({}, otherBase, world.outsider);
      await action(theirs.id, 'publish', '*', world.owner).expect(404);
      expect((await versions(m.id).expect(200)).body.data).toEqual([]);
    });
  });

  describe('soft delete and restore', () => {
    it('DELETE hides the model from the list and from writes; restore brings it back with its versions', async () => {
      const m = await model();
      await action(m.id, 'publish', '"1"').expect(200);
      await del(m.id, null).expect(428);
      await del(m.id, '"1"').expect(412);
      await del(m.id, '"2"', world.viewer).expect(403);
      await del(m.id, '"2"').expect(204);
      const got = await t.http().get(`${base}/${m.id}`).set(world.viewer.auth).expect(200);
      expect(got.body).toMatchObject({ deletedAt: expect.any(String), version: 3 });
      const live = await t.http().get(`${base}?limit=100`).set(world.viewer.auth).expect(200);
      expect(live.body.data.map((x: { id: string }) => x.id)).not.toContain(m.id);
      const bin = await t.http().get(`${base}?deleted=true&limit=100`).set(world.viewer.auth).expect(200);
      expect(bin.body.data.map((x: { id: string }) => x.id)).toContain(m.id);
      // A deleted model cannot be changed, published or deleted again.
      await patch(m.id, { name: 'x' }, '*').expect(404);
      await action(m.id, 'publish', '*').expect(404);
      await del(m.id, '*').expect(404);

      await action(m.id, 'restore', null).expect(428);
      await action(m.id, 'restore', '"2"').expect(412);
      await action(m.id, 'restore', '"3"', world.viewer).expect(403);
      const restored = await action(m.id, 'restore', '"3"').expect(200);
      expect(restored.body).toMatchObject({ deletedAt: null, version: 4, isPublished: true });
      expect(restored.headers.etag).toBe('"4"');
      await action(m.id, 'restore', '*').expect(404); // not deleted any more
      expect((await versions(m.id).expect(200)).body.data).toHaveLength(1);
      expect(await auditActions(m.id)).toEqual([
        'canvas_model.created',
        'canvas_model.published',
        'canvas_model.deleted',
        'canvas_model.restored',
      ]);
    });

    it('401 anonymous; 404 for another org’s model', async () => {
      const theirs = await model({}, otherBase, world.outsider);
      await t.http().delete(`${base}/${theirs.id}`).set('If-Match', '*').expect(401);
      await del(theirs.id, '*', world.owner).expect(404);
      await t.http().post(`${base}/${theirs.id}/restore`).set('If-Match', '*').expect(401);
      await action(theirs.id, 'restore', '*', world.owner).expect(404);
      expect((await t.http().get(`${otherBase}/${theirs.id}`).set(world.outsider.auth)).body.deletedAt).toBeNull();
    });
  });
});
