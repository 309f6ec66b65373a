import { orgWithEveryRole, serviceApiKey, unique, type TestUser } from '../factories';
import { withFlagOff } from '../support/feature-flags';
import { createTestApp, type TestApp } from '../support/test-app';

describe('conversation templates (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;
  let promptId: string;
  let otherOrgPromptId: string;

  const makePrompt = async (orgId: string, user: TestUser) =>
    (
      await t
        .http()
        .post(`/v1/orgs/${orgId}/prompts`)
        .set(user.auth)
        .send({ name: `p-${unique()}`, content: 'You help.' })
        .expect(201)
    ).body.id as string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/conversation-templates`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/conversation-templates`;
    promptId = await makePrompt(world.org.id, world.editor);
    otherOrgPromptId = await makePrompt(world.otherOrg.id, world.outsider);
  });
  afterAll(() => t.close());

  const create = (body: Record<string, unknown>, user: TestUser = world.editor, orgBase = base) =>
    t.http().post(orgBase).set(user.auth).send(body);
  const template = async (body: Record<string, unknown> = {}) =>
    (await create({ name: `t-${unique()}`, systemPrompt: 'Be brief.', ...body }).expect(201)).body;
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  it('creates (EDITOR) with a system prompt or a workbench prompt at a label, with its ETag; audited', async () => {
    const res = await create({
      name: 'Code reviewer',
      description: 'Reviews diffs',
      systemPrompt: 'You review code.',
      model: 'gpt-4o-mini',
      firstMessage: 'Review this:',
    }).expect(201);
    expect(res.body).toMatchObject({
      name: 'Code reviewer',
      description: 'Reviews diffs',
      systemPrompt: 'You review code.',
      promptId: null,
      promptLabel: null,
      model: 'gpt-4o-mini',
      firstMessage: 'Review this:',
      version: 1,
      orgId: world.org.id,
      createdByUserId: world.editor.id,
    });
    expect(res.headers.etag).toBe('"1"');
    expect(await auditActions(res.body.id)).toEqual(['conversation_template.created']);
    const fromPrompt = await create({ name: `t-${unique()}`, promptId, promptLabel: 'latest' }).expect(201);
    expect(fromPrompt.body).toMatchObject({ promptId, promptLabel: 'latest', systemPrompt: null });
  });

  it('400 on bad fields, on both or neither system prompt source, on a label without a prompt', async () => {
    const bad = await create({ name: ' ', systemPrompt: '', extra: 1 }).expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name', 'systemPrompt']);
    const both = await create({ name: 'x', systemPrompt: 'a', promptId }).expect(400);
    expect(both.body.code).toBe('VALIDATION_FAILED');
    await create({ name: 'x' }).expect(400);
    await create({ name: 'x', systemPrompt: 'a', promptLabel: 'production' }).expect(400);
    await create({ name: 'x', promptId, promptLabel: 'Not A Label' }).expect(400);
    await create({ name: 'x', promptId: 'not-a-uuid' }).expect(400);
  });

  it("404 for another org's prompt or a label the prompt does not have", async () => {
    const res = await create({ name: `t-${unique()}`, promptId: otherOrgPromptId }).expect(404);
    expect(res.body.detail).toBe('Prompt not found');
    await create({ name: `t-${unique()}`, promptId, promptLabel: 'production' }).expect(404);
    await t
      .http()
      .put(`/v1/orgs/${world.org.id}/prompts/${promptId}/labels/production`)
      .set(world.editor.auth)
      .send({ version: 1 })
      .expect(200);
    await create({ name: `t-${unique()}`, promptId, promptLabel: 'production' }).expect(201);
  });

  it('409 DUPLICATE on a name taken in the org (another org may use it)', async () => {
    const name = `dup-${unique()}`;
    await template({ name });
    const res = await create({ name, systemPrompt: 'x' }).expect(409);
    expect(res.body.code).toBe('DUPLICATE');
    await create({ name, systemPrompt: 'x' }, world.outsider, otherBase).expect(201);
  });

  it('401 without credentials, 403 for a VIEWER writing, 404 for a non-member; API keys use conversations', async () => {
    await t.http().post(base).send({ name: 'x', systemPrompt: 'x' }).expect(401);
    await t.http().get(base).expect(401);
    expect((await create({ name: 'x', systemPrompt: 'x' }, world.viewer).expect(403)).body.code).toBe('FORBIDDEN');
    await create({ name: 'x', systemPrompt: 'x' }, world.outsider).expect(404);
    const reader = await serviceApiKey(t, world.org.id, ['conversations:read']);
    await t.http().get(base).set(reader).expect(200);
    await t.http().post(base).set(reader).send({ name: 'x', systemPrompt: 'x' }).expect(403);
    const writer = await serviceApiKey(t, world.org.id, ['conversations:write']);
    await t
      .http()
      .post(base)
      .set(writer)
      .send({ name: `k-${unique()}`, systemPrompt: 'x' })
      .expect(201);
  });

  it('lists by name with cursor paging and search (VIEWER); GET one with its ETag; 404 across orgs', async () => {
    const tag = unique();
    const made = [];
    for (const n of ['c', 'a', 'b']) made.push(await template({ name: `list-${tag}-${n}` }));
    const page1 = await t.http().get(`${base}?q=list-${tag}&limit=2`).set(world.viewer.auth).expect(200);
    expect(page1.body.data.map((r: { name: string }) => r.name)).toEqual([`list-${tag}-a`, `list-${tag}-b`]);
    const page2 = await t
      .http()
      .get(`${base}?q=list-${tag}&limit=2&cursor=${page1.body.nextCursor}`)
      .set(world.viewer.auth)
      .expect(200);
    expect(page2.body).toEqual({ data: [expect.objectContaining({ name: `list-${tag}-c` })], nextCursor: null });
    await t.http().get(`${base}?cursor=nonsense`).set(world.viewer.auth).expect(400);
    const one = await t.http().get(`${base}/${made[0].id}`).set(world.viewer.auth).expect(200);
    expect(one.headers.etag).toBe('"1"');
    await t.http().get(`${otherBase}/${made[0].id}`).set(world.outsider.auth).expect(404);
    await t.http().get(`${base}/${made[0].id}`).set(world.outsider.auth).expect(404);
    await t.http().get(`${base}/not-a-uuid`).set(world.viewer.auth).expect(404);
  });

  it('PATCH with If-Match: switching source clears the other; 412 stale, 428 missing, 409 dup, 403, 404', async () => {
    const tpl = await template({ promptId: undefined });
    const patch = (body: Record<string, unknown>, etag?: string, user: TestUser = world.editor) => {
      const req = t.http().patch(`${base}/${tpl.id}`).set(user.auth);
      return (etag ? req.set('If-Match', etag) : req).send(body);
    };
    await patch({ name: 'x' }).expect(428);
    await patch({ name: 'x' }, '"7"').expect(412);
    const switched = await patch({ promptId }, '"1"').expect(200);
    expect(switched.body).toMatchObject({ promptId, systemPrompt: null, version: 2 });
    expect(switched.headers.etag).toBe('"2"');
    const back = await patch({ systemPrompt: 'Plain again' }, '"2"').expect(200);
    expect(back.body).toMatchObject({ promptId: null, promptLabel: null, systemPrompt: 'Plain again' });
    await patch({ systemPrompt: null }, '*').expect(400);
    await patch({ name: null }, '*').expect(400);
    await patch({ promptId: otherOrgPromptId }, '*').expect(404);
    const other = await template();
    expect((await patch({ name: other.name }, '*').expect(409)).body.code).toBe('DUPLICATE');
    await patch({ description: 'x' }, '*', world.viewer).expect(403);
    await t.http().patch(`${otherBase}/${tpl.id}`).set(world.outsider.auth).set('If-Match', '*').send({}).expect(404);
    expect(await auditActions(tpl.id)).toEqual([
      'conversation_template.created',
      'conversation_template.updated',
      'conversation_template.updated',
    ]);
  });

  it('DELETE with If-Match (EDITOR); 403 VIEWER; 404 across orgs and after', async () => {
    const tpl = await template();
    await t.http().delete(`${base}/${tpl.id}`).set(world.viewer.auth).set('If-Match', '*').expect(403);
    await t.http().delete(`${otherBase}/${tpl.id}`).set(world.outsider.auth).set('If-Match', '*').expect(404);
    await t.http().delete(`${base}/${tpl.id}`).set(world.editor.auth).expect(428);
    await t.http().delete(`${base}/${tpl.id}`).set(world.editor.auth).set('If-Match', '"1"').expect(204);
    await t.http().get(`${base}/${tpl.id}`).set(world.viewer.auth).expect(404);
    expect(await auditActions(tpl.id)).toEqual(['conversation_template.created', 'conversation_template.deleted']);
  });

  it("a prompt used by a template cannot be deleted (the database's RESTRICT)", async () => {
    const used = await makePrompt(world.org.id, world.editor);
    await template({ systemPrompt: undefined, promptId: used });
    const res = await t
      .http()
      .delete(`/v1/orgs/${world.org.id}/prompts/${used}`)
      .set(world.editor.auth)
      .set('If-Match', '*');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'IN_USE' });
    await t.http().get(`/v1/orgs/${world.org.id}/prompts/${used}`).set(world.editor.auth).expect(200);
  });

  it('403 FEATURE_DISABLED when the chat flag is off', async () => {
    await withFlagOff(t, world.org, world.owner, 'chat', async () => {
      const res = await t.http().get(base).set(world.viewer.auth).expect(403);
      expect(res.body.code).toBe('FEATURE_DISABLED');
    });
  });
});
