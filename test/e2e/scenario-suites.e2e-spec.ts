import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;

describe('scenario suites (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/scenario-suites`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/scenario-suites`;
  });
  afterAll(() => t.close());

  const create = (user: TestUser, body: Body, orgBase = base) => t.http().post(orgBase).set(user.auth).send(body);
  const suite = async (body: Body = {}, orgBase = base, user = world.editor) =>
    (await create(user, { name: `suite-${unique()}`, ...body }, orgBase).expect(201)).body;
  const scenario = async (orgId = world.org.id, user = world.editor) =>
    (
      await t
        .http()
        .post(`/v1/orgs/${orgId}/scenarios`)
        .set(user.auth)
        .send({ name: `s-${unique()}`, turns: [{ type: 'USER', text: 'Hi' }] })
        .expect(201)
    ).body;
  const setItems = (id: string, scenarioIds: unknown, user = world.editor) =>
    t.http().put(`${base}/${id}/items`).set(user.auth).send({ scenarioIds });
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  describe('POST /scenario-suites', () => {
    it('creates an empty suite (EDITOR), audited', async () => {
      const res = await create(world.editor, { name: 'regression', description: 'All of them', tags: ['ci'] }).expect(
        201,
      );
      expect(res.body).toMatchObject({
        name: 'regression',
        description: 'All of them',
        tags: ['ci'],
        itemCount: 0,
        items: [],
        orgId: world.org.id,
        createdByUserId: world.editor.id,
      });
      expect(await auditActions(res.body.id)).toEqual(['scenario_suite.created']);
    });

    it('400 on invalid fields; 409 DUPLICATE for a taken name (another org may use it)', async () => {
      const bad = await create(world.editor, { name: ' ', tags: ['a b'], extra: 1 }).expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name', 'tags']);
      await suite({ name: 'dup-suite' });
      expect((await create(world.admin, { name: 'dup-suite' }).expect(409)).body.code).toBe('DUPLICATE');
      await suite({ name: 'dup-suite' }, otherBase, world.outsider);
    });

    it('401 without credentials, 403 for a VIEWER, 404 for a non-member', async () => {
      await t.http().post(base).send({ name: 'x' }).expect(401);
      expect((await create(world.viewer, { name: 'x' }).expect(403)).body.code).toBe('FORBIDDEN');
      await create(world.outsider, { name: 'x' }).expect(404);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 25 suites", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 25 }, (_, i) => ({ orgId: org.id, name: `suite${i}` }));
      await inOrg(t, org.id, (tx) => tx.scenarioSuite.createMany({ data: rows }));
      const res = await create(owner, { name: 'one-too-many' }, `/v1/orgs/${org.id}/scenario-suites`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
    });
  });

  describe('PUT /scenario-suites/{suiteId}/items', () => {
    it('replaces the items in order; GET shows them with names, the list shows the count', async () => {
      const s = await suite();
      const [a, b, c] = [await scenario(), await scenario(), await scenario()];
      const first = await setItems(s.id, [c.id, a.id]).expect(200);
      expect(first.body.items).toEqual([
        { scenarioId: c.id, name: c.name, status: 'DRAFT' },
        { scenarioId: a.id, name: a.name, status: 'DRAFT' },
      ]);
      const second = await setItems(s.id, [a.id, b.id, c.id]).expect(200);
      expect(second.body).toMatchObject({ itemCount: 3 });
      const got = await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200);
      expect(got.body.items.map((i: { scenarioId: string }) => i.scenarioId)).toEqual([a.id, b.id, c.id]);
      const listed = await t.http().get(`${base}?q=${s.name}`).set(world.viewer.auth).expect(200);
      expect(listed.body.data).toEqual([expect.objectContaining({ id: s.id, itemCount: 3 })]);
      expect(listed.body.data[0].items).toBeUndefined();
      expect((await setItems(s.id, []).expect(200)).body.items).toEqual([]);
      expect(await auditActions(s.id)).toEqual([
        'scenario_suite.created',
        'scenario_suite.items_replaced',
        'scenario_suite.items_replaced',
        'scenario_suite.items_replaced',
      ]);
    });

    it("404 naming ids that are unknown or another org's, and nothing changes; 400 on repeats and non-uuids", async () => {
      const s = await suite();
      const mine = await scenario();
      await setItems(s.id, [mine.id]).expect(200);
      const theirs = await scenario(world.otherOrg.id, world.outsider);
      const unknown = '0190a000-0000-7000-8000-000000000000';
      const res = await setItems(s.id, [mine.id, theirs.id, unknown]).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      expect(res.body.detail).toContain(theirs.id);
      expect(res.body.errors).toEqual([
        { field: 'scenarioIds.1', messages: ['no scenario with this id in the organization'] },
        { field: 'scenarioIds.2', messages: ['no scenario with this id in the organization'] },
      ]);
      const repeated = await setItems(s.id, [mine.id, mine.id]).expect(400);
      expect(repeated.body.errors).toEqual([
        { field: 'scenarioIds', messages: ['scenarioIds must not repeat a scenario'] },
      ]);
      await setItems(s.id, ['nope']).expect(400);
      await setItems(s.id, undefined).expect(400);
      const got = await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200);
      expect(got.body.items.map((i: { scenarioId: string }) => i.scenarioId)).toEqual([mine.id]);
    });

    it('concurrent replacements queue up: the last one wins whole, never a mix or a 500', async () => {
      const s = await suite();
      const ids = [await scenario(), await scenario(), await scenario()].map((x) => x.id);
      const results = await Promise.all([
        setItems(s.id, ids),
        setItems(s.id, [...ids].reverse()),
        setItems(s.id, [ids[1]]),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      const got = await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200);
      const order = got.body.items.map((i: { scenarioId: string }) => i.scenarioId);
      expect([ids, [...ids].reverse(), [ids[1]]]).toContainEqual(order);
    });

    it('401, 403 VIEWER, 404 for another org’s suite; a deleted scenario leaves the suite', async () => {
      const s = await suite();
      const x = await scenario();
      await t.http().put(`${base}/${s.id}/items`).send({ scenarioIds: [] }).expect(401);
      await setItems(s.id, [x.id], world.viewer).expect(403);
      const theirs = await suite({}, otherBase, world.outsider);
      await setItems(theirs.id, [], world.owner).expect(404);
      await setItems(s.id, [x.id]).expect(200);
      await t
        .http()
        .delete(`/v1/orgs/${world.org.id}/scenarios/${x.id}`)
        .set(world.editor.auth)
        .set('If-Match', '*')
        .expect(204);
      const got = await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200);
      expect(got.body).toMatchObject({ itemCount: 0, items: [] });
    });
  });

  describe('GET, PATCH and DELETE /scenario-suites/{suiteId}', () => {
    it('lists newest change first with cursor paging, filtered by tag and q', async () => {
      const tag = `t${unique()}`;
      const a = await suite({ name: `list-a-${tag}`, tags: [tag] });
      const b = await suite({ name: `list-b-${tag}`, tags: [tag] });
      const first = await t.http().get(`${base}?tag=${tag}&limit=1`).set(world.viewer.auth).expect(200);
      expect(first.body.data.map((s: { id: string }) => s.id)).toEqual([b.id]);
      const second = await t
        .http()
        .get(`${base}?tag=${tag}&limit=1&cursor=${first.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(second.body).toEqual({ data: [expect.objectContaining({ id: a.id, itemCount: 0 })], nextCursor: null });
      const searched = await t.http().get(`${base}?q=LIST-A-${tag}`).set(world.viewer.auth).expect(200);
      expect(searched.body.data.map((s: { id: string }) => s.id)).toEqual([a.id]);
      await t.http().get(`${base}?limit=0`).set(world.viewer.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });

    it("gets one; another org's id and a non-uuid are 404", async () => {
      const s = await suite();
      expect((await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200)).body).toEqual(s);
      await t.http().get(`${base}/${s.id}`).expect(401);
      const theirs = await suite({}, otherBase, world.outsider);
      await t.http().get(`${base}/${theirs.id}`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/not-a-uuid`).set(world.owner.auth).expect(404);
    });

    it('PATCH changes fields (audited); 400, 401, 403 VIEWER, 404 other org, 409 taken name', async () => {
      const s = await suite({ description: 'd' });
      const other = await suite();
      const patch = (id: string, body: Body, user = world.editor) =>
        t.http().patch(`${base}/${id}`).set(user.auth).send(body);
      const res = await patch(s.id, { description: null, tags: ['x'] }).expect(200);
      expect(res.body).toMatchObject({ name: s.name, description: null, tags: ['x'] });
      expect(await auditActions(s.id)).toEqual(['scenario_suite.created', 'scenario_suite.updated']);
      await patch(s.id, { name: null }).expect(400);
      await patch(s.id, { tags: null }).expect(400);
      await t.http().patch(`${base}/${s.id}`).send({ tags: [] }).expect(401);
      await patch(s.id, { tags: [] }, world.viewer).expect(403);
      const theirs = await suite({}, otherBase, world.outsider);
      await patch(theirs.id, { tags: [] }, world.owner).expect(404);
      expect((await patch(s.id, { name: other.name }).expect(409)).body.code).toBe('DUPLICATE');
    });

    it('DELETE removes the suite and its items, not the scenarios; 401, 403 VIEWER, 404 other org and after', async () => {
      const s = await suite();
      const x = await scenario();
      await setItems(s.id, [x.id]).expect(200);
      const del = (id = s.id) => t.http().delete(`${base}/${id}`);
      await del().expect(401);
      await del().set(world.viewer.auth).expect(403);
      await del().set(world.editor.auth).expect(204);
      await del().set(world.editor.auth).expect(404);
      await t.http().get(`/v1/orgs/${world.org.id}/scenarios/${x.id}`).set(world.viewer.auth).expect(200);
      const left = await t.asOwner((db) =>
        db.query(`SELECT count(*)::int AS n FROM scenario_suite_items WHERE "suiteId" = $1`, [s.id]),
      );
      expect(left.rows).toEqual([{ n: 0 }]);
      expect(await auditActions(s.id)).toEqual([
        'scenario_suite.created',
        'scenario_suite.items_replaced',
        'scenario_suite.deleted',
      ]);
      const theirs = await suite({}, otherBase, world.outsider);
      await del(theirs.id).set(world.owner.auth).expect(404);
    });

    it('API keys use the scenarios scope: read lists, write creates', async () => {
      const reader = await serviceApiKey(t, world.org.id, ['scenarios:read']);
      await t.http().get(base).set(reader).expect(200);
      await t
        .http()
        .post(base)
        .set(reader)
        .send({ name: `k-${unique()}` })
        .expect(403);
      const writer = await serviceApiKey(t, world.org.id, ['scenarios:write']);
      await t
        .http()
        .post(base)
        .set(writer)
        .send({ name: `k-${unique()}` })
        .expect(201);
      const prompts = await serviceApiKey(t, world.org.id, ['prompts:read']);
      await t.http().get(base).set(prompts).expect(403);
    });
  });
});
