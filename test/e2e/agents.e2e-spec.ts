import { createOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;

const INPUT_SCHEMA = {
  type: 'object',
  required: ['company'],
  properties: { company: { type: 'string' }, size: { type: 'integer', minimum: 1 } },
};

describe('agents (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;
  let orgKey: string;
  let personalKey: string;
  let otherOrgKey: string;

  const http = () => t.http();
  const config = (overrides: Body = {}) => ({
    model: 'gpt-4o-mini',
    providerKeyId: orgKey,
    systemPrompt: 'You find value opportunities.',
    ...overrides,
  });
  const create = (body: Body, user: TestUser = world.editor, orgBase = base) =>
    http().post(orgBase).set(user.auth).send(body);
  const agent = async (body: Body = {}, user: TestUser = world.editor) =>
    (await create({ name: `a-${unique()}`, type: 'OPPORTUNITY', config: config(), ...body }, user).expect(201)).body;
  const withEtag = <R extends { set: (h: string, v: string) => R }>(req: R, etag: string | null) =>
    etag === null ? req : req.set('If-Match', etag);
  const patch = (id: string, body: Body, etag: string | null, user = world.editor) =>
    withEtag(http().patch(`${base}/${id}`).set(user.auth), etag).send(body);
  const del = (id: string, etag: string | null, user = world.editor) =>
    withEtag(http().delete(`${base}/${id}`).set(user.auth), etag);
  const restore = (id: string, etag: string | null, user = world.editor) =>
    withEtag(http().post(`${base}/${id}/restore`).set(user.auth), etag);
  const versions = async (id: string) =>
    (await http().get(`${base}/${id}/versions`).set(world.viewer.auth).expect(200)).body.data as {
      version: number;
      config: Body;
    }[];
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  async function createKey(user: TestUser, body: Body = {}, orgId = world.org.id): Promise<string> {
    const res = await http()
      .post(`/v1/orgs/${orgId}/provider-keys`)
      .set(user.auth)
      .send({
        provider: 'OPENAI',
        name: `k-${unique()}`,
        apiKey: 'sk-test-0000',
        baseUrl: 'http://127.0.0.1:9/v1',
        ...body,
      });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'true' } });
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/agents`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/agents`;
    orgKey = await createKey(world.admin);
    personalKey = await createKey(world.editor, { scope: 'PERSONAL' });
    otherOrgKey = await createKey(world.outsider, {}, world.otherOrg.id);
    // This file makes more agents than the FREE plan's 5; the limit has its own test below.
    await t.asOwner((db) =>
      db.query(`UPDATE organizations SET limits = '{"agents": null}' WHERE id = $1`, [world.org.id]),
    );
  });
  afterAll(() => t.close());

  describe('POST /agents', () => {
    it('creates an agent (EDITOR) with config version 1 and its ETag, and audits it', async () => {
      const res = await create({
        name: 'Opportunity finder',
        type: 'OPPORTUNITY',
        description: 'Finds upsell',
        config: config({ inputSchema: INPUT_SCHEMA, temperature: 0.2 }),
      }).expect(201);
      expect(res.body).toMatchObject({
        orgId: world.org.id,
        name: 'Opportunity finder',
        type: 'OPPORTUNITY',
        description: 'Finds upsell',
        config: {
          model: 'gpt-4o-mini',
          providerKeyId: orgKey,
          systemPrompt: 'You find value opportunities.',
          inputSchema: INPUT_SCHEMA,
          temperature: 0.2,
        },
        configVersion: 1,
        version: 1,
        isActive: true,
        createdByUserId: world.editor.id,
        deletedAt: null,
      });
      expect(res.headers.etag).toBe('"1"');
      expect(await versions(res.body.id)).toEqual([
        expect.objectContaining({ version: 1, config: res.body.config, createdByUserId: world.editor.id }),
      ]);
      expect(await auditActions(res.body.id)).toEqual(['agent.created']);
      // Optional config fields come back as null; isActive may start false.
      const bare = await agent({ type: 'CUSTOM', isActive: false });
      expect(bare).toMatchObject({ type: 'CUSTOM', isActive: false, config: { inputSchema: null, temperature: null } });
    });

    it('400 on invalid fields, a temperature out of 0..2, and an input schema that is not JSON Schema 2020-12', async () => {
      const res = await create({ name: '', type: 'NOPE', config: config({ temperature: 3 }), extra: 1 }).expect(400);
      const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
      expect(fields).toEqual(expect.arrayContaining(['extra', 'name', 'type']));
      expect(fields.some((f: string) => f.includes('temperature'))).toBe(true);
      await create({ name: 'x', type: 'CUSTOM', config: config({ temperature: -0.1 }) }).expect(400);
      await create({ name: 'x', type: 'CUSTOM', config: { model: 'm' } }).expect(400);
      await create({ name: 'x', type: 'CUSTOM', config: config(), isActive: null }).expect(400);
      await create({ name: 'x', type: 'CUSTOM' }).expect(400);
      const bad = await create({ name: 'x', type: 'CUSTOM', config: config({ inputSchema: { type: 'banana' } }) });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'config.inputSchema', messages: [expect.stringMatching(/type/)] }]);
      const typo = await create({ name: 'x', type: 'CUSTOM', config: config({ inputSchema: { propertees: {} } }) });
      expect(typo.status).toBe(400);
    });

    it("refuses another org's key and another member's personal key (404); a member's own personal key works", async () => {
      expect(
        (await create({ name: 'x', type: 'CUSTOM', config: config({ providerKeyId: otherOrgKey }) }).expect(404)).body
          .code,
      ).toBe('NOT_FOUND');
      await create({ name: 'x', type: 'CUSTOM', config: config({ providerKeyId: personalKey }) }, world.admin).expect(
        404,
      );
      const own = await agent({ config: config({ providerKeyId: personalKey }) });
      expect(own.config.providerKeyId).toBe(personalKey);
    });

    it('needs EDITOR (403 for a VIEWER), a signed-in caller (401), and a member (404)', async () => {
      const body = { name: 'x', type: 'CUSTOM', config: config() };
      expect((await create(body, world.viewer).expect(403)).body.code).toBe('FORBIDDEN');
      await http().post(base).send(body).expect(401);
      await create(body, world.outsider).expect(404);
    });
  });

  describe('GET /agents', () => {
    it('lists live agents newest change first, filters by type, pages, and hides deleted ones unless deleted=true', async () => {
      const first = await agent({ type: 'TARGET' });
      const second = await agent({ type: 'TARGET' });
      const list = await http().get(`${base}?type=TARGET&limit=1`).set(world.viewer.auth).expect(200);
      expect(list.body.data.map((a: Body) => a.id)).toEqual([second.id]);
      const next = await http()
        .get(`${base}?type=TARGET&limit=1&cursor=${list.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(next.body.data.map((a: Body) => a.id)).toEqual([first.id]);
      await del(second.id, '"1"').expect(204);
      const live = await http().get(`${base}?type=TARGET`).set(world.viewer.auth).expect(200);
      expect(live.body.data.map((a: Body) => a.id)).toEqual([first.id]);
      const deleted = await http().get(`${base}?deleted=true&type=TARGET`).set(world.viewer.auth).expect(200);
      expect(deleted.body.data.map((a: Body) => a.id)).toEqual([second.id]);
      await http().get(`${base}?type=NOPE`).set(world.viewer.auth).expect(400);
      await http().get(`${base}?cursor=garbage`).set(world.viewer.auth).expect(400);
      await http().get(base).expect(401);
      await http().get(base).set(world.outsider.auth).expect(404);
    });
  });

  describe('GET /agents/{id}', () => {
    it('reads an agent with its ETag; 404 for unknown, malformed and other-org ids', async () => {
      const a = await agent();
      const res = await http().get(`${base}/${a.id}`).set(world.viewer.auth).expect(200);
      expect(res.body).toEqual(a);
      expect(res.headers.etag).toBe('"1"');
      await http().get(`${base}/01936f4e-9a2b-7c3d-8e4f-5a6b7c8d9e0f`).set(world.viewer.auth).expect(404);
      await http().get(`${base}/not-a-uuid`).set(world.viewer.auth).expect(404);
      await http().get(`${otherBase}/${a.id}`).set(world.outsider.auth).expect(404);
      await http().get(`${base}/${a.id}`).set(world.outsider.auth).expect(404);
    });
  });

  describe('PATCH /agents/{id}', () => {
    it('needs If-Match; a config change is a new version, other changes are not', async () => {
      const a = await agent({ config: config({ temperature: 0.5 }) });
      expect((await patch(a.id, { name: 'Renamed' }, null).expect(428)).body.code).toBe('PRECONDITION_REQUIRED');
      const renamed = await patch(a.id, { name: 'Renamed', type: 'EXPANSION', isActive: false }, '"1"').expect(200);
      expect(renamed.body).toMatchObject({
        name: 'Renamed',
        type: 'EXPANSION',
        isActive: false,
        version: 2,
        configVersion: 1,
      });
      expect(renamed.headers.etag).toBe('"2"');
      expect((await patch(a.id, { name: 'Stale' }, '"1"').expect(412)).body.code).toBe('VERSION_CONFLICT');
      // The same config again: no new version.
      await patch(a.id, { config: config({ temperature: 0.5 }) }, '"2"').expect(200);
      expect((await versions(a.id)).map((v) => v.version)).toEqual([1]);
      const changed = await patch(a.id, { config: config({ systemPrompt: 'Be brief.' }) }, '*').expect(200);
      expect(changed.body).toMatchObject({
        configVersion: 2,
        version: 4,
        config: { systemPrompt: 'Be brief.', temperature: null },
      });
      const all = await versions(a.id);
      expect(all.map((v) => v.version)).toEqual([2, 1]);
      expect(all[1]!.config).toMatchObject({ systemPrompt: 'You find value opportunities.', temperature: 0.5 });
      const v1 = await http().get(`${base}/${a.id}/versions/1`).set(world.viewer.auth).expect(200);
      expect(v1.body).toMatchObject({ agentId: a.id, version: 1, config: { temperature: 0.5 } });
      await http().get(`${base}/${a.id}/versions/9`).set(world.viewer.auth).expect(404);
      await http().get(`${base}/${a.id}/versions/x`).set(world.viewer.auth).expect(404);
      expect(await auditActions(a.id)).toEqual(['agent.created', 'agent.updated', 'agent.updated', 'agent.updated']);
    });

    it('400 on invalid changes; 403 for a VIEWER; 404 across orgs and for another member’s personal key', async () => {
      const a = await agent();
      await patch(a.id, { name: null }, '*').expect(400);
      await patch(a.id, { config: config({ temperature: 2.5 }) }, '*').expect(400);
      await patch(a.id, { config: config({ inputSchema: { type: 'banana' } }) }, '*').expect(400);
      await patch(a.id, { isActive: null }, '*').expect(400);
      await patch(a.id, { name: 'x' }, '*', world.viewer).expect(403);
      await patch(a.id, { config: config({ providerKeyId: personalKey }) }, '*', world.admin).expect(404);
      await http()
        .patch(`${otherBase}/${a.id}`)
        .set(world.outsider.auth)
        .set('If-Match', '*')
        .send({ name: 'x' })
        .expect(404);
      await patch(a.id, { name: 'x' }, '*', world.outsider).expect(404);
      expect((await http().get(`${base}/${a.id}`).set(world.viewer.auth)).body.version).toBe(1);
    });
  });

  describe('DELETE and restore', () => {
    it('soft-deletes (GET still shows it, writes 404), restores, and audits both', async () => {
      const a = await agent();
      await del(a.id, null).expect(428);
      await del(a.id, '"1"', world.viewer).expect(403);
      await del(a.id, '"1"').expect(204);
      const gone = await http().get(`${base}/${a.id}`).set(world.viewer.auth).expect(200);
      expect(gone.body.deletedAt).not.toBeNull();
      await patch(a.id, { name: 'x' }, '*').expect(404);
      await del(a.id, '*').expect(404);
      await restore(a.id, '*', world.viewer).expect(403);
      await restore(a.id, '"1"').expect(412);
      const back = await restore(a.id, '"2"').expect(200);
      expect(back.body).toMatchObject({ deletedAt: null, version: 3, configVersion: 1 });
      // Restoring a live agent: nothing in the bin.
      await restore(a.id, '*').expect(404);
      await http().post(`${otherBase}/${a.id}/restore`).set(world.outsider.auth).set('If-Match', '*').expect(404);
      expect(await auditActions(a.id)).toEqual(['agent.created', 'agent.deleted', 'agent.restored']);
    });
  });

  describe('API keys, flags and limits', () => {
    it('lets API keys read with agents:read and write with agents:write', async () => {
      const reader = await serviceApiKey(t, world.org.id, ['agents:read']);
      const writer = await serviceApiKey(t, world.org.id, ['agents:write']);
      await http().get(base).set(reader).expect(200);
      await http().post(base).set(reader).send({ name: 'x', type: 'CUSTOM', config: config() }).expect(403);
      const res = await http().post(base).set(writer).send({ name: 'x', type: 'CUSTOM', config: config() }).expect(201);
      expect(res.body.createdByUserId).toBeNull();
    });

    it('answers 403 FEATURE_DISABLED on agents and executions routes when the org switches the agents flag off', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}`;
      await http().get(`${orgBase}/agents`).set(owner.auth).expect(200);
      await http()
        .put(`${orgBase}/feature-flags`)
        .set(owner.auth)
        .send({ flags: { agents: false } })
        .expect(200);
      for (const path of ['/agents', '/executions']) {
        const res = await http().get(`${orgBase}${path}`).set(owner.auth).expect(403);
        expect(res.body).toMatchObject({ code: 'FEATURE_DISABLED', detail: expect.stringContaining('agents') });
      }
      await http()
        .put(`${orgBase}/feature-flags`)
        .set(owner.auth)
        .send({ flags: { agents: true } })
        .expect(200);
      await http().get(`${orgBase}/executions`).set(owner.auth).expect(200);
    });

    it('limits live agents per plan (FREE: 5); deleted ones do not count, and restore checks again', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}/agents`;
      const key = await createKey(owner, {}, org.id);
      const body = () => ({ name: `a-${unique()}`, type: 'CUSTOM', config: config({ providerKeyId: key }) });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await create(body(), owner, orgBase).expect(201)).body.id);
      expect((await create(body(), owner, orgBase).expect(403)).body.code).toBe('PLAN_LIMIT_REACHED');
      await http().delete(`${orgBase}/${ids[0]}`).set(owner.auth).set('If-Match', '*').expect(204);
      await create(body(), owner, orgBase).expect(201);
      const res = await http().post(`${orgBase}/${ids[0]}/restore`).set(owner.auth).set('If-Match', '*').expect(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      const limits = await http().get(`/v1/orgs/${org.id}/limits`).set(owner.auth).expect(200);
      expect(limits.body.limits).toMatchObject({
        agents: { limit: 5, used: 5 },
        activeExecutions: { limit: 5, used: 0 },
      });
    });
  });
});
