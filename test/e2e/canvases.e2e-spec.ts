import { createOrg, memberOf, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const SCHEMA_V1 = {
  type: 'object',
  required: ['title'],
  properties: { title: { type: 'string' }, revenue: { type: 'number', minimum: 0 } },
};
// Version 2 also requires an owner.
const SCHEMA_V2 = {
  ...SCHEMA_V1,
  required: ['title', 'owner'],
  properties: { ...SCHEMA_V1.properties, owner: { type: 'string' } },
};

type Canvas = {
  id: string;
  version: number;
  data: Record<string, unknown>;
  visibility: string;
  deletedAt: string | null;
};

describe('canvases (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let modelId: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/canvases`;
    // This file makes more canvases than the FREE plan's 20; the limit has its own test below.
    await t.asOwner((db) =>
      db.query(`UPDATE organizations SET limits = '{"canvases": null}' WHERE id = $1`, [world.org.id]),
    );
    modelId = await publishedModel(world.org.id, world.editor, [SCHEMA_V1, SCHEMA_V2]);
  });
  afterAll(() => t.close());

  /** A canvas model with one published version per schema given (none: unpublished). */
  async function publishedModel(orgId: string, by: TestUser, schemas: Record<string, unknown>[]): Promise<string> {
    const models = `/v1/orgs/${orgId}/canvas-models`;
    const created = await t
      .http()
      .post(models)
      .set(by.auth)
      .send({ name: `m-${unique()}`, schema: schemas[0] ?? {} });
    expect(created.status).toBe(201);
    for (const schema of schemas) {
      await t
        .http()
        .patch(`${models}/${created.body.id}`)
        .set(by.auth)
        .set('If-Match', '*')
        .send({ schema })
        .expect(200);
      await t.http().post(`${models}/${created.body.id}/publish`).set(by.auth).set('If-Match', '*').expect(200);
    }
    return created.body.id as string;
  }

  const create = (user: TestUser | { Authorization: string }, body: Record<string, unknown>, orgBase = base) =>
    t
      .http()
      .post(orgBase)
      .set('Authorization' in user ? user : user.auth)
      .send(body);
  const canvas = async (body: Record<string, unknown> = {}, user = world.viewer): Promise<Canvas> =>
    (
      await create(user, { name: `c-${unique()}`, modelId, modelVersion: 1, data: { title: 'Acme' }, ...body }).expect(
        201,
      )
    ).body;
  const patch = (id: string, body: Record<string, unknown>, etag: string | null, user: TestUser = world.viewer) => {
    const req = t.http().patch(`${base}/${id}`).set(user.auth);
    return (etag === null ? req : req.set('If-Match', etag)).send(body);
  };
  const post = (path: string, etag: string | null, user: TestUser = world.viewer) => {
    const req = t.http().post(`${base}/${path}`).set(user.auth);
    return etag === null ? req : req.set('If-Match', etag);
  };
  const del = (id: string, etag: string | null, user: TestUser = world.viewer) => {
    const req = t.http().delete(`${base}/${id}`).set(user.auth);
    return etag === null ? req : req.set('If-Match', etag);
  };
  const versions = async (id: string, user: TestUser = world.viewer) =>
    (await t.http().get(`${base}/${id}/versions`).set(user.auth).expect(200)).body.data as {
      version: number;
      data: unknown;
    }[];
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  describe('POST /canvases', () => {
    it('lets any member (VIEWER) create a PRIVATE canvas on the newest published version: version 1, ETag, audit', async () => {
      const res = await create(world.viewer, { name: 'Q3', modelId, data: { title: 'Acme', owner: 'Ada' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'Q3',
        description: null,
        modelId,
        modelVersion: 2,
        data: { title: 'Acme', owner: 'Ada' },
        visibility: 'PRIVATE',
        version: 1,
        createdByUserId: world.viewer.id,
        deletedAt: null,
        orgId: world.org.id,
      });
      expect(res.headers.etag).toBe('"1"');
      expect(await versions(res.body.id)).toEqual([
        expect.objectContaining({
          version: 1,
          data: { title: 'Acme', owner: 'Ada' },
          createdByUserId: world.viewer.id,
        }),
      ]);
      expect(await auditActions(res.body.id)).toEqual(['canvas.created']);
      // An explicit earlier version is followed as asked.
      expect((await canvas({ modelVersion: 1 })).data).toEqual({ title: 'Acme' });
    });

    it('422 SCHEMA_VALIDATION_FAILED naming each failing path of data', async () => {
      const res = await create(world.viewer, { name: 'x', modelId, modelVersion: 1, data: { revenue: -1, title: 7 } });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('SCHEMA_VALIDATION_FAILED');
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: '/title', messages: ['must be string'] },
          { field: '/revenue', messages: ['must be >= 0'] },
        ]),
      );
      const missing = await create(world.viewer, { name: 'x', modelId, data: { title: 'A' } }).expect(422);
      expect(missing.body.errors).toEqual([{ field: '/', messages: ["must have required property 'owner'"] }]);
    });

    it('400 on invalid fields; 404 for an unknown or deleted model or version; 409 for an unpublished model', async () => {
      const bad = await create(world.viewer, { name: '', modelId: 'nope', data: 'x', visibility: 'PUBLIC', extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'data',
        'extra',
        'modelId',
        'name',
        'visibility',
      ]);
      await create(world.viewer, { name: 'x', modelId, modelVersion: 0, data: {} }).expect(400);
      const body = { name: 'x', data: { title: 'A' } };
      expect((await create(world.viewer, { ...body, modelId, modelVersion: 9 }).expect(404)).body.code).toBe(
        'NOT_FOUND',
      );
      await create(world.viewer, { ...body, modelId: '01936f3e-8c2a-7b4d-9e1f-2a3b4c5d6e7f' }).expect(404);
      const draft = await publishedModel(world.org.id, world.editor, []);
      expect((await create(world.viewer, { ...body, modelId: draft }).expect(409)).body.code).toBe(
        'MODEL_NOT_PUBLISHED',
      );
      const gone = await publishedModel(world.org.id, world.editor, [SCHEMA_V1]);
      await t
        .http()
        .delete(`/v1/orgs/${world.org.id}/canvas-models/${gone}`)
        .set(world.editor.auth)
        .set('If-Match', '*')
        .expect(204);
      await create(world.viewer, { ...body, modelId: gone }).expect(404);
    });

    it('401 without credentials; 404 for a non-member and for a model of another org; API keys create none', async () => {
      const body = { name: 'x', modelId, data: { title: 'A' } };
      await t.http().post(base).send(body).expect(401);
      await create(world.outsider, body).expect(404);
      const otherModel = await publishedModel(world.otherOrg.id, world.outsider, [SCHEMA_V1]);
      await create(world.viewer, { ...body, modelId: otherModel }).expect(404);
      const writer = await serviceApiKey(t, world.org.id, ['canvases:write']);
      expect((await create(writer, body).expect(403)).body.code).toBe('FORBIDDEN');
      await create(await serviceApiKey(t, world.org.id, ['variables:write']), body).expect(403);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 20 live canvases, counting other members' private ones", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const model = await publishedModel(org.id, owner, [SCHEMA_V1]);
      // 20 PRIVATE canvases of someone else (made as the database owner): the caller sees none of them.
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO canvases (id, "orgId", name, "updatedAt", "deletedAt")
           SELECT gen_random_uuid(), $1, 'c' || n, now(), CASE WHEN n = 1 THEN now() END FROM generate_series(1, 21) n`,
          [org.id],
        ),
      );
      const orgBase = `/v1/orgs/${org.id}/canvases`;
      expect((await t.http().get(orgBase).set(owner.auth).expect(200)).body.data).toEqual([]);
      const body = { name: 'one-too-many', modelId: model, data: { title: 'A' } };
      expect((await create(owner, body, orgBase).expect(403)).body.code).toBe('PLAN_LIMIT_REACHED');
      expect(
        (await t.http().get(`/v1/orgs/${org.id}/limits`).set(owner.auth).expect(200)).body.limits.canvases,
      ).toEqual({
        limit: 20,
        used: 20,
      });
    });
  });

  describe('reading and privacy between members', () => {
    it("PRIVATE and LINK canvases are their creator's (404 to the owner too); ORG ones every member reads", async () => {
      const mine = await canvas({ visibility: 'PRIVATE' });
      const linked = await canvas({ visibility: 'LINK' });
      const shared = await canvas({ visibility: 'ORG' });
      const ids = async (user: TestUser) =>
        ((await t.http().get(`${base}?limit=100`).set(user.auth).expect(200)).body.data as { id: string }[]).map(
          (c) => c.id,
        );
      expect(await ids(world.viewer)).toEqual(expect.arrayContaining([mine.id, linked.id, shared.id]));
      const ownerSees = await ids(world.owner);
      expect(ownerSees).toContain(shared.id);
      expect(ownerSees).not.toContain(mine.id);
      expect(ownerSees).not.toContain(linked.id);
      for (const hidden of [mine, linked]) {
        await t.http().get(`${base}/${hidden.id}`).set(world.owner.auth).expect(404);
        await t.http().get(`${base}/${hidden.id}/versions`).set(world.owner.auth).expect(404);
        await patch(hidden.id, { name: 'mine now' }, '*', world.owner).expect(404);
        await del(hidden.id, '*', world.owner).expect(404);
      }
      const got = await t.http().get(`${base}/${shared.id}`).set(world.editor.auth).expect(200);
      expect(got.headers.etag).toBe('"1"');
      // API keys read what the org sees.
      const reader = await serviceApiKey(t, world.org.id, ['canvases:read']);
      await t.http().get(`${base}/${shared.id}`).set(reader).expect(200);
      await t.http().get(`${base}/${mine.id}`).set(reader).expect(404);
    });

    it('404 across orgs and for a malformed id, 400 on a bad cursor, 401 without credentials', async () => {
      const shared = await canvas({ visibility: 'ORG' });
      await t.http().get(`${base}/${shared.id}`).set(world.outsider.auth).expect(404);
      await t.http().get(`/v1/orgs/${world.otherOrg.id}/canvases/${shared.id}`).set(world.outsider.auth).expect(404);
      // A path id that is not a UUID names nothing (404, as everywhere).
      await t.http().get(`${base}/nope`).set(world.viewer.auth).expect(404);
      await t.http().get(`${base}?cursor=nope`).set(world.viewer.auth).expect(400);
      await t.http().get(`${base}/${shared.id}/versions?cursor=nope`).set(world.viewer.auth).expect(400);
      await t.http().get(base).expect(401);
    });
  });

  describe('PATCH, versions and version restore', () => {
    it('needs If-Match (428, 412 when stale); each save is a new version', async () => {
      const c = await canvas();
      expect((await patch(c.id, { name: 'x' }, null).expect(428)).body.code).toBe('PRECONDITION_REQUIRED');
      expect((await patch(c.id, { name: 'x' }, '"7"').expect(412)).body.code).toBe('VERSION_CONFLICT');
      await patch(c.id, { name: 'x' }, 'nope').expect(400);
      const res = await patch(c.id, { data: { title: 'Second', revenue: 10 } }, '"1"').expect(200);
      expect(res.body).toMatchObject({ version: 2, data: { title: 'Second', revenue: 10 } });
      expect(res.headers.etag).toBe('"2"');
      await patch(c.id, { name: 'Renamed' }, '"2"').expect(200);
      expect((await versions(c.id)).map((v) => [v.version, v.data])).toEqual([
        [3, { title: 'Second', revenue: 10 }],
        [2, { title: 'Second', revenue: 10 }],
        [1, { title: 'Acme' }],
      ]);
      const one = await t.http().get(`${base}/${c.id}/versions/1`).set(world.viewer.auth).expect(200);
      expect(one.body).toMatchObject({ canvasId: c.id, version: 1, data: { title: 'Acme' } });
      await t.http().get(`${base}/${c.id}/versions/99`).set(world.viewer.auth).expect(404);
      await t.http().get(`${base}/${c.id}/versions/x`).set(world.viewer.auth).expect(400);
      expect(await auditActions(c.id)).toEqual(['canvas.created', 'canvas.updated', 'canvas.updated']);
    });

    it('422 with paths for data that breaks the schema; moving to another model version checks the data against it', async () => {
      const c = await canvas();
      const bad = await patch(c.id, { data: { title: 1 } }, '*').expect(422);
      expect(bad.body.errors).toEqual([{ field: '/title', messages: ['must be string'] }]);
      expect((await patch(c.id, { modelVersion: 2 }, '*').expect(422)).body.errors[0].field).toBe('/');
      await patch(c.id, { modelVersion: 9 }, '*').expect(404);
      const moved = await patch(c.id, { modelVersion: 2, data: { title: 'A', owner: 'Ada' } }, '*').expect(200);
      expect(moved.body).toMatchObject({ modelVersion: 2, version: 2 });
      // Version 1's data lacks the owner version 2 requires: restoring it is refused.
      expect((await post(`${c.id}/versions/1/restore`, '*').expect(422)).body.code).toBe('SCHEMA_VALIDATION_FAILED');
      for (const field of ['name', 'data', 'visibility', 'modelVersion']) {
        await patch(c.id, { [field]: null }, '*').expect(400);
      }
    });

    it('restores an earlier version as the newest one (If-Match)', async () => {
      const c = await canvas();
      await patch(c.id, { data: { title: 'Changed' } }, '"1"').expect(200);
      await post(`${c.id}/versions/1/restore`, null).expect(428);
      await post(`${c.id}/versions/1/restore`, '"1"').expect(412);
      const res = await post(`${c.id}/versions/1/restore`, '"2"').expect(200);
      expect(res.body).toMatchObject({ version: 3, data: { title: 'Acme' } });
      expect(res.headers.etag).toBe('"3"');
      expect((await versions(c.id)).map((v) => v.version)).toEqual([3, 2, 1]);
      await post(`${c.id}/versions/42/restore`, '*').expect(404);
      expect(await auditActions(c.id)).toEqual(['canvas.created', 'canvas.updated', 'canvas.version_restored']);
    });

    it('EDITOR+ edit an ORG canvas of someone else, a VIEWER may not (403); only the creator changes visibility', async () => {
      const c = await canvas({ visibility: 'ORG' });
      const viewer2 = await memberOf(t, world.org.id, 'VIEWER');
      expect((await patch(c.id, { name: 'x' }, '*', viewer2).expect(403)).body.code).toBe('FORBIDDEN');
      await del(c.id, '*', viewer2).expect(403);
      await patch(c.id, { name: 'By the editor' }, '*', world.editor).expect(200);
      await patch(c.id, { visibility: 'PRIVATE' }, '*', world.editor).expect(403);
      await patch(c.id, { visibility: 'LINK' }, '*', world.owner).expect(403);
      const mine = await patch(c.id, { visibility: 'LINK' }, '*').expect(200);
      expect(mine.body.visibility).toBe('LINK');
      await t.http().get(`${base}/${c.id}`).set(world.editor.auth).expect(404);
    });
  });

  describe('soft delete and restore', () => {
    it('DELETE (If-Match) soft-deletes; the canvas is read-only until restored; restore needs it deleted', async () => {
      const c = await canvas();
      await del(c.id, null).expect(428);
      await del(c.id, '"5"').expect(412);
      await del(c.id, '"1"').expect(204);
      const got = await t.http().get(`${base}/${c.id}`).set(world.viewer.auth).expect(200);
      expect(got.body.deletedAt).not.toBeNull();
      const live = (await t.http().get(`${base}?limit=100`).set(world.viewer.auth).expect(200)).body.data;
      expect(live.map((x: { id: string }) => x.id)).not.toContain(c.id);
      const binned = (await t.http().get(`${base}?deleted=true&limit=100`).set(world.viewer.auth).expect(200)).body
        .data;
      expect(binned.map((x: { id: string }) => x.id)).toContain(c.id);
      await patch(c.id, { name: 'x' }, '*').expect(404);
      await del(c.id, '*').expect(404);
      await post(`${c.id}/versions/1/restore`, '*').expect(404);
      await post(`${c.id}/restore`, null).expect(428);
      const back = await post(`${c.id}/restore`, '"2"').expect(200);
      expect(back.body).toMatchObject({ deletedAt: null, version: 3 });
      await post(`${c.id}/restore`, '*').expect(404);
      // Delete and restore move the revision but save no content: versions stay as they were.
      expect((await versions(c.id)).map((v) => v.version)).toEqual([1]);
      expect(await auditActions(c.id)).toEqual(['canvas.created', 'canvas.deleted', 'canvas.restored']);
      await post(`${c.id}/restore`, '*', world.outsider).expect(404);
    });
  });
});
