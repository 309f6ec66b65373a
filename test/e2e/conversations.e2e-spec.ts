import { createOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { CHAT_ENV, stubKey } from '../support/chat';
import { startStubLlm, type StubLlm } from '../support/stub-llm';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;

describe('conversations (e2e)', () => {
  let t: TestApp;
  let stub: StubLlm;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let orgKey: string;
  let editorKey: string;
  let adminKey: string;
  let otherOrgKey: string;

  const http = () => t.http();
  const create = (body: Body = {}, user: TestUser = world.editor, orgBase = base) =>
    http().post(orgBase).set(user.auth).send(body);
  const conversation = async (body: Body = {}, user: TestUser = world.editor) =>
    (await create({ providerKeyId: orgKey, ...body }, user).expect(201)).body as { id: string; title: string };
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);

  const createKey = (user: TestUser, body: Body, orgId = world.org.id) => stubKey(t, stub, user, orgId, body);

  beforeAll(async () => {
    stub = await startStubLlm();
    t = await createTestApp({ env: CHAT_ENV });
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/conversations`;
    orgKey = await createKey(world.admin, { defaultModel: 'gpt-4o-mini' });
    editorKey = await createKey(world.editor, { scope: 'PERSONAL', defaultModel: 'stub-model' });
    adminKey = await createKey(world.admin, { scope: 'PERSONAL', defaultModel: 'stub-model' });
    otherOrgKey = await createKey(world.outsider, { defaultModel: 'gpt-4o-mini' }, world.otherOrg.id);
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });
  beforeEach(() => stub.reset());

  describe('POST /conversations', () => {
    it('creates a conversation of the caller with the defaults, a Location, and audits it', async () => {
      const res = await create({ providerKeyId: orgKey }).expect(201);
      expect(res.body).toMatchObject({
        orgId: world.org.id,
        userId: world.editor.id,
        title: 'New Conversation',
        provider: 'OPENAI',
        model: null,
        providerKeyId: orgKey,
        systemPrompt: null,
        promptId: null,
        promptLabel: null,
        templateId: null,
      });
      expect(res.headers.location).toBe(`${base}/${res.body.id}`);
      expect(await auditActions(res.body.id)).toEqual(['conversation.created']);
    });

    it('takes every setting; any member may chat (a VIEWER too) with their own PERSONAL key', async () => {
      const res = await create(
        { title: 'Travel', model: 'gpt-4o', providerKeyId: editorKey, systemPrompt: 'Be brief.' },
        world.editor,
      ).expect(201);
      expect(res.body).toMatchObject({
        title: 'Travel',
        model: 'gpt-4o',
        providerKeyId: editorKey,
        systemPrompt: 'Be brief.',
      });
      await create({}, world.viewer).expect(201);
    });

    it('refuses a PERSONAL key of another member, and a key of another org (404)', async () => {
      expect((await create({ providerKeyId: adminKey }).expect(404)).body.code).toBe('NOT_FOUND');
      await create({ providerKeyId: otherOrgKey }).expect(404);
    });

    it('400 on invalid bodies', async () => {
      const prompt = crypto.randomUUID();
      for (const body of [
        { title: '' },
        { title: 'x'.repeat(201) },
        { providerKeyId: 'nope' },
        { systemPrompt: 'a', promptId: prompt },
        { promptLabel: 'production' },
        { promptId: prompt, promptLabel: 'Not A Label' },
        { templateId: 42 },
        { unknown: true },
      ]) {
        const res = await create(body);
        expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    });

    it('401 without credentials; 404 in an org of which the caller is not a member', async () => {
      await http().post(base).send({}).expect(401);
      await create({}, world.outsider).expect(404);
      await create({}, world.editor, `/v1/orgs/${world.otherOrg.id}/conversations`).expect(404);
    });
  });

  describe('reading, changing, deleting', () => {
    it('lists only the caller’s conversations, newest first, with cursor paging', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const orgBase = `/v1/orgs/${org.id}/conversations`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await create({ title: `c${i}` }, user, orgBase).expect(201)).body.id);
      const first = await http().get(`${orgBase}?limit=2`).set(user.auth).expect(200);
      expect(first.body.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
      const second = await http().get(`${orgBase}?limit=2&cursor=${first.body.nextCursor}`).set(user.auth).expect(200);
      expect(second.body).toEqual({ data: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
      await http().get(`${orgBase}?cursor=bad`).set(user.auth).expect(400);
    });

    it('lists the most recently active first: a new message moves its conversation to the top', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const orgBase = `/v1/orgs/${org.id}/conversations`;
      const providerKeyId = await createKey(user, { defaultModel: 'stub-model' }, org.id);
      const older = (await create({ providerKeyId }, user, orgBase).expect(201)).body;
      const newer = (await create({ providerKeyId }, user, orgBase).expect(201)).body;
      const order = async () =>
        (await http().get(orgBase).set(user.auth).expect(200)).body.data.map((c: { id: string }) => c.id);
      expect(await order()).toEqual([newer.id, older.id]);

      await http().post(`${orgBase}/${older.id}/messages`).set(user.auth).send({ content: 'hello' }).expect(201);
      expect(await order()).toEqual([older.id, newer.id]);
      const moved = (await http().get(`${orgBase}/${older.id}`).set(user.auth).expect(200)).body;
      expect(new Date(moved.updatedAt).getTime()).toBeGreaterThan(new Date(newer.createdAt).getTime());
      // Activity is not a change: the audit log has the messages, no conversation.updated.
      expect(await auditActions(older.id)).toEqual(['conversation.created', 'conversation.retitled']);
    });

    it('is private: another member of the org gets 404 and does not list it', async () => {
      const { id } = await conversation();
      for (const user of [world.admin, world.owner]) {
        await http().get(`${base}/${id}`).set(user.auth).expect(404);
        await http().patch(`${base}/${id}`).set(user.auth).send({ title: 'mine' }).expect(404);
        await http().delete(`${base}/${id}`).set(user.auth).expect(404);
        await http().get(`${base}/${id}/messages`).set(user.auth).expect(404);
        await http().post(`${base}/${id}/messages`).set(user.auth).send({ content: 'hi' }).expect(404);
        await http().post(`${base}/${id}/fork`).set(user.auth).send({ messageId: id }).expect(404);
        const list = await http().get(`${base}?limit=100`).set(user.auth).expect(200);
        expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(id);
      }
      await http().get(`${base}/${id}`).set(world.editor.auth).expect(200);
      await http().get(`/v1/orgs/${world.otherOrg.id}/conversations/${id}`).set(world.outsider.auth).expect(404);
      // Another org's conversation through this org's path: 404 too.
      const otherBase = `/v1/orgs/${world.otherOrg.id}/conversations`;
      const theirs = (await create({}, world.outsider, otherBase).expect(201)).body.id;
      await http().get(`${base}/${theirs}`).set(world.owner.auth).expect(404);
      await http().get(`${base}/${theirs}/messages`).set(world.owner.auth).expect(404);
      await http().post(`${base}/${theirs}/messages`).set(world.owner.auth).send({ content: 'hi' }).expect(404);
      await http().delete(`${base}/${theirs}`).set(world.owner.auth).expect(404);
      await http().get(`${base}/${id}`).expect(401);
    });

    it('PATCH changes the settings (a system prompt replaces a prompt), null clears; audited', async () => {
      const { id } = await conversation({ systemPrompt: 'Old' });
      const res = await http()
        .patch(`${base}/${id}`)
        .set(world.editor.auth)
        .send({ title: 'Renamed', model: 'gpt-4o', systemPrompt: null })
        .expect(200);
      expect(res.body).toMatchObject({ title: 'Renamed', model: 'gpt-4o', systemPrompt: null, providerKeyId: orgKey });
      const cleared = await http()
        .patch(`${base}/${id}`)
        .set(world.editor.auth)
        .send({ providerKeyId: null })
        .expect(200);
      expect(cleared.body).toMatchObject({ providerKeyId: null, provider: null });
      await http().patch(`${base}/${id}`).set(world.editor.auth).send({ title: null }).expect(400);
      await http().patch(`${base}/${id}`).set(world.editor.auth).send({ providerKeyId: adminKey }).expect(404);
      await http().patch(`${base}/${crypto.randomUUID()}`).set(world.editor.auth).send({}).expect(404);
      expect(await auditActions(id)).toEqual(['conversation.created', 'conversation.updated', 'conversation.updated']);
    });

    it('DELETE removes it with its messages (204, then 404); audited', async () => {
      const { id } = await conversation();
      await http().post(`${base}/${id}/messages`).set(world.editor.auth).send({ content: 'Hello' }).expect(201);
      await http().delete(`${base}/${id}`).set(world.editor.auth).expect(204);
      await http().get(`${base}/${id}`).set(world.editor.auth).expect(404);
      await http().delete(`${base}/${id}`).set(world.editor.auth).expect(404);
      const left = await t.asOwner((db) => db.query(`SELECT 1 FROM messages WHERE "conversationId" = $1`, [id]));
      expect(left.rows).toHaveLength(0);
      expect((await auditActions(id)).at(-1)).toBe('conversation.deleted');
    });

    it('API keys: conversations:read lists only conversations shared with the org; writes are 403', async () => {
      const { id } = await conversation();
      const read = await serviceApiKey(t, world.org.id, ['conversations:read', 'conversations:write']);
      const list = await http().get(base).set(read).expect(200);
      expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(id);
      await http().get(`${base}/${id}`).set(read).expect(404);
      await http().post(base).set(read).send({}).expect(403);
      const none = await serviceApiKey(t, world.org.id, ['variables:read']);
      await http().get(base).set(none).expect(403);
    });
  });

  describe('templates and prompts', () => {
    it('starts from a template: its settings copied, its first message an assistant greeting (no model call)', async () => {
      const templateId = crypto.randomUUID();
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO conversation_templates (id, "orgId", name, "systemPrompt", model, "firstMessage", "updatedAt")
           VALUES ($1, $2, $3, 'You are a travel agent.', 'gpt-4o', 'Hi! Where to?', now())`,
          [templateId, world.org.id, `t-${unique()}`],
        ),
      );
      const res = await create({ providerKeyId: orgKey, templateId }).expect(201);
      expect(res.body).toMatchObject({ templateId, systemPrompt: 'You are a travel agent.', model: 'gpt-4o' });
      expect(stub.requests).toHaveLength(0);
      const messages = await http().get(`${base}/${res.body.id}/messages`).set(world.editor.auth).expect(200);
      expect(messages.body.data).toEqual([
        expect.objectContaining({ role: 'ASSISTANT', content: 'Hi! Where to?', parentId: null, model: null }),
      ]);
      const sent = await http()
        .post(`${base}/${res.body.id}/messages`)
        .set(world.editor.auth)
        .send({ content: 'Lisbon' })
        .expect(201);
      expect(sent.body.userMessage.parentId).toBe(messages.body.data[0].id);
      expect(stub.requests[0]).toMatchObject({
        model: 'gpt-4o',
        system: 'You are a travel agent.',
        messages: [
          { role: 'assistant', content: 'Hi! Where to?' },
          { role: 'user', content: 'Lisbon' },
        ],
      });
      // The body's own system prompt wins over the template's.
      const own = await create({ templateId, systemPrompt: 'Mine' }).expect(201);
      expect(own.body).toMatchObject({ systemPrompt: 'Mine', model: 'gpt-4o' });
      await create({ templateId: crypto.randomUUID() }).expect(404);
    });

    it('a workbench prompt is the system prompt, rendered with the org’s variables at each message', async () => {
      const prompt = await http()
        .post(`/v1/orgs/${world.org.id}/prompts`)
        .set(world.editor.auth)
        .send({ name: `p-${unique()}`, content: 'You help customers of {{company}}.' })
        .expect(201);
      const variable = await http()
        .post(`/v1/orgs/${world.org.id}/variables`)
        .set(world.editor.auth)
        .send({ key: `company`, value: 'Acme' })
        .expect(201);
      const { id } = await conversation({ promptId: prompt.body.id });
      await http().post(`${base}/${id}/messages`).set(world.editor.auth).send({ content: 'Hi' }).expect(201);
      expect(stub.requests[0]!.system).toBe('You help customers of Acme.');
      await http()
        .patch(`/v1/orgs/${world.org.id}/variables/${variable.body.id}`)
        .set(world.editor.auth)
        .set('If-Match', variable.headers.etag as string)
        .send({ value: 'Globex' })
        .expect(200);
      await http().post(`${base}/${id}/messages`).set(world.editor.auth).send({ content: 'Again' }).expect(201);
      expect(stub.requests[1]!.system).toBe('You help customers of Globex.');
      // A label the prompt does not have, or a prompt of nowhere: 404 at creation.
      await create({ promptId: prompt.body.id, promptLabel: 'production' }).expect(404);
      await create({ promptId: crypto.randomUUID() }).expect(404);
    });
  });

  describe('the chat flag', () => {
    it('403 FEATURE_DISABLED on every route when the org switches chat off', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const orgBase = `/v1/orgs/${org.id}/conversations`;
      const { id } = (await create({}, user, orgBase).expect(201)).body;
      await http()
        .put(`/v1/orgs/${org.id}/feature-flags`)
        .set(user.auth)
        .send({ flags: { chat: false } })
        .expect(200);
      for (const res of [
        await http().get(orgBase).set(user.auth),
        await http().post(orgBase).set(user.auth).send({}),
        await http().get(`${orgBase}/${id}/messages`).set(user.auth),
        await http().post(`${orgBase}/${id}/messages`).set(user.auth).send({ content: 'hi' }),
      ])
        expect([res.status, res.body.code]).toEqual([403, 'FEATURE_DISABLED']);
    });
  });
});
