import { setTimeout as sleep } from 'node:timers/promises';
import { addMember, createOrg, orgWithEveryRole, signUp, type TestUser } from '../factories';
import { asText, CHAT_ENV, parseEvents, stubKey } from '../support/chat';
import { startStubLlm, type StubLlm } from '../support/stub-llm';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;
interface Message {
  id: string;
  parentId: string | null;
  role: string;
  content: string;
  incomplete: boolean;
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  latencyMs: number | null;
  siblingIds: string[];
  siblingCount: number;
}

describe('conversation messages (e2e)', () => {
  let t: TestApp;
  let stub: StubLlm;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let orgKey: string;

  const http = () => t.http();
  const newConversation = async (body: Body = {}, user: TestUser = world.editor, orgBase = base) =>
    (
      await http()
        .post(orgBase)
        .set(user.auth)
        .send({ providerKeyId: orgKey, ...body })
        .expect(201)
    ).body.id as string;
  const post = (id: string, body: Body, user: TestUser = world.editor) =>
    http().post(`${base}/${id}/messages`).set(user.auth).send(body);
  const regenerate = (id: string, messageId: string, body: Body = {}) =>
    http().post(`${base}/${id}/messages/${messageId}/regenerate`).set(world.editor.auth).send(body);
  const messages = async (id: string, query = ''): Promise<Message[]> =>
    (await http().get(`${base}/${id}/messages?limit=100${query}`).set(world.editor.auth).expect(200)).body.data;
  const lastUserTurn = () => stub.requests.at(-1)!.messages;

  beforeAll(async () => {
    stub = await startStubLlm();
    t = await createTestApp({ env: CHAT_ENV });
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/conversations`;
    orgKey = await stubKey(t, stub, world.admin, world.org.id, { defaultModel: 'gpt-4o-mini' });
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });
  beforeEach(() => stub.reset());

  describe('POST /messages (JSON)', () => {
    it('stores the user message and the reply with its metadata; the title comes from the first message', async () => {
      const id = await newConversation({ systemPrompt: 'You are terse.' });
      stub.reply(() => ({ text: 'Thirty days.', inputTokens: 1000, outputTokens: 2000 }));
      const res = await post(id, { content: '  What is\nthe refund window for orders placed online?  ' }).expect(201);
      expect(res.body.userMessage).toMatchObject({
        role: 'USER',
        parentId: null,
        userId: world.editor.id,
        model: null,
        siblingCount: 1,
      });
      const reply = res.body.assistantMessage as Message;
      expect(reply).toMatchObject({
        role: 'ASSISTANT',
        content: 'Thirty days.',
        parentId: res.body.userMessage.id,
        incomplete: false,
        provider: 'OPENAI',
        model: 'gpt-4o-mini',
        inputTokens: 1000,
        outputTokens: 2000,
        costUsd: 0.00135,
        siblingIds: [reply.id],
      });
      expect(reply.latencyMs).toBeGreaterThanOrEqual(0);
      expect(stub.requests[0]).toMatchObject({
        model: 'gpt-4o-mini',
        system: 'You are terse.',
        stream: false,
        messages: [{ role: 'user', content: '  What is\nthe refund window for orders placed online?  ' }],
      });
      expect(await messages(id)).toEqual([res.body.userMessage, reply]);
      const conversation = await http().get(`${base}/${id}`).set(world.editor.auth).expect(200);
      expect(conversation.body.title).toBe('What is the refund window for orders placed online?');

      // The next message follows the reply and sends the whole branch; the title stays.
      await post(id, { content: 'And for shops? '.repeat(10) }).expect(201);
      expect(lastUserTurn().map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      const again = await http().get(`${base}/${id}`).set(world.editor.auth).expect(200);
      expect(again.body.title).toBe(conversation.body.title);
      const audit = await t.asOwner((db) =>
        db.query<{ action: string; after: Body }>(
          `SELECT action, after FROM audit_logs WHERE "resourceType" = 'message' AND after->>'conversationId' = $1`,
          [id],
        ),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(Array(4).fill('message.created'));
      expect(audit.rows[0]!.after).not.toHaveProperty('content');
    });

    it('a long first message makes a shortened title', async () => {
      const id = await newConversation();
      await post(id, { content: `Please explain ${'the details of everything '.repeat(8)}` }).expect(201);
      const { title } = (await http().get(`${base}/${id}`).set(world.editor.auth).expect(200)).body;
      expect(title.length).toBeLessThanOrEqual(60);
      expect(title).toMatch(/^Please explain the details of everything .*…$/);
    });

    it('switches model for one reply, stored on the message; the conversation keeps its own', async () => {
      const id = await newConversation({ model: 'gpt-4o-mini' });
      const switched = await post(id, { content: 'Hi', model: 'gpt-4o' }).expect(201);
      expect(switched.body.assistantMessage).toMatchObject({ model: 'gpt-4o', costUsd: expect.any(Number) });
      expect(stub.requests[0]!.model).toBe('gpt-4o');
      const back = await post(id, { content: 'Again' }).expect(201);
      expect(back.body.assistantMessage.model).toBe('gpt-4o-mini');
      expect((await messages(id)).map((m) => m.model)).toEqual([null, 'gpt-4o', null, 'gpt-4o-mini']);
    });

    it('a model failure is 502 MODEL_CALL_FAILED; the user message stays and regenerating it answers it', async () => {
      const id = await newConversation();
      stub.failNext({ status: 500, message: 'upstream exploded' });
      const res = await post(id, { content: 'Hello?' }).expect(502);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'MODEL_CALL_FAILED', detail: expect.stringContaining('500') });
      const [kept] = await messages(id);
      expect(kept).toMatchObject({ role: 'USER', content: 'Hello?' });
      const retry = await regenerate(id, kept!.id).expect(201);
      expect(retry.body).toMatchObject({ role: 'ASSISTANT', parentId: kept!.id, content: 'Stub reply to: Hello?' });
    });

    it('uses the org’s default key when the conversation names none; 422 when there is none', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const orgBase = `/v1/orgs/${org.id}/conversations`;
      const id = (await http().post(orgBase).set(user.auth).send({}).expect(201)).body.id;
      const none = await http().post(`${orgBase}/${id}/messages`).set(user.auth).send({ content: 'Hi' }).expect(422);
      expect(none.body.code).toBe('PROVIDER_KEY_UNUSABLE');
      expect((await http().get(`${orgBase}/${id}/messages`).set(user.auth).expect(200)).body.data).toEqual([]);
      await stubKey(t, stub, user, org.id, { defaultModel: 'stub-model', isDefault: true });
      const res = await http().post(`${orgBase}/${id}/messages`).set(user.auth).send({ content: 'Hi' }).expect(201);
      expect(res.body.assistantMessage).toMatchObject({ model: 'stub-model', costUsd: null });
    });

    it('400 on invalid bodies and unknown parents; 401; 404 for another org; any member (VIEWER) may chat', async () => {
      const id = await newConversation();
      for (const body of [{}, { content: '' }, { content: 'x', parentId: 'no' }, { content: 'x', model: '' }])
        expect((await post(id, body)).status).toBe(400);
      await post(id, { content: 'x', attachmentIds: ['no'] }).expect(400);
      await post(id, { content: 'x', parentId: crypto.randomUUID() }).expect(404);
      await http().post(`${base}/${id}/messages`).send({ content: 'x' }).expect(401);
      await http()
        .post(`/v1/orgs/${world.otherOrg.id}/conversations/${id}/messages`)
        .set(world.outsider.auth)
        .send({ content: 'x' })
        .expect(404);
      await post(crypto.randomUUID(), { content: 'x' }).expect(404);
      expect(await messages(id)).toEqual([]);
      const mine = await newConversation({}, world.viewer);
      await post(mine, { content: 'Hi' }, world.viewer).expect(201);
    });

    it('gives an uploaded file to the model with the message it was sent with, once', async () => {
      const id = await newConversation();
      const upload = (name: string, text: string) =>
        http()
          .post(`${base}/${id}/attachments`)
          .set(world.editor.auth)
          .attach('file', Buffer.from(text), { filename: name, contentType: 'text/plain' })
          .expect(201);
      const file = (await upload('notes.txt', 'Line one')).body.id as string;
      const first = await post(id, { content: 'Read this', attachmentIds: [file] }).expect(201);
      expect(lastUserTurn().at(-1)!.content).toBe(
        'Read this\n\n--- Attachment: notes.txt ---\nLine one\n--- End of notes.txt ---',
      );
      // The file stays with its message in the history of later replies.
      await post(id, { content: 'And now?' }).expect(201);
      expect(lastUserTurn()[0]!.content).toContain('--- Attachment: notes.txt ---');
      expect(first.body.userMessage.id).toEqual(expect.any(String));
      // Sent once: again is 409 ATTACHMENT_SENT; an unknown id is 404; neither stores a message.
      const count = (await messages(id)).length;
      expect((await post(id, { content: 'Again', attachmentIds: [file] }).expect(409)).body.code).toBe(
        'ATTACHMENT_SENT',
      );
      await post(id, { content: 'Unknown', attachmentIds: [crypto.randomUUID()] }).expect(404);
      expect(await messages(id)).toHaveLength(count);
    });
  });

  describe('streaming (Accept: text/event-stream)', () => {
    const stream = (id: string, body: Body) => asText(post(id, body).set('Accept', 'text/event-stream')).expect(201);

    it('streams the stored user message, the deltas, then the stored reply', async () => {
      const id = await newConversation();
      stub.reply(() => ({ text: 'One two three four.', inputTokens: 7, outputTokens: 4 }));
      const res = await stream(id, { content: 'Count' });
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = parseEvents(res.body as string);
      expect(events[0]).toMatchObject({ event: 'message', data: { role: 'USER', content: 'Count' } });
      const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data.text);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('One two three four.');
      expect(events.at(-1)).toMatchObject({
        event: 'done',
        data: { role: 'ASSISTANT', content: 'One two three four.', inputTokens: 7, outputTokens: 4, incomplete: false },
      });
      expect(stub.requests[0]!.stream).toBe(true);
      const stored = await messages(id);
      expect(stored.map((m) => m.id)).toEqual([events[0]!.data.id, events.at(-1)!.data.id]);
      expect(stored[1]).toMatchObject({ model: 'gpt-4o-mini', inputTokens: 7, outputTokens: 4 });
    });

    it('a provider error is an error event; nothing arrived, so no reply is stored', async () => {
      const id = await newConversation();
      stub.failNext({ status: 400, message: 'bad model' });
      const events = parseEvents((await stream(id, { content: 'Hi' })).body as string);
      expect(events.map((e) => e.event)).toEqual(['message', 'error']);
      expect(events[1]!.data).toMatchObject({ code: 'MODEL_CALL_FAILED', assistantMessage: null });
      expect((await messages(id)).map((m) => m.role)).toEqual(['USER']);
    });

    it('a provider that breaks mid-stream: what arrived is stored as incomplete and named in the error event', async () => {
      const id = await newConversation();
      stub.reply(() => ({ text: 'one two three four five', dropAfterChunks: 2 }));
      const events = parseEvents((await stream(id, { content: 'Go' })).body as string);
      expect(events.map((e) => e.event)).toEqual(['message', 'delta', 'delta', 'error']);
      expect(events.at(-1)!.data).toMatchObject({
        code: 'MODEL_CALL_FAILED',
        assistantMessage: { content: 'one two ', incomplete: true, role: 'ASSISTANT' },
      });
      expect((await messages(id)).at(-1)).toMatchObject({ content: 'one two ', incomplete: true });
    });

    it('checks come before the stream: 4xx as problem+json', async () => {
      const id = await newConversation();
      const res = await post(id, { content: '' }).set('Accept', 'text/event-stream').expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      await post(crypto.randomUUID(), { content: 'x' }).set('Accept', 'text/event-stream').expect(404);
    });

    it('a client that goes away aborts the model call; what arrived is stored as incomplete', async () => {
      const id = await newConversation();
      const words = Array.from({ length: 40 }, (_, i) => `w${i} `);
      stub.reply(() => ({ text: words.join(''), chunkDelayMs: 100 }));
      await expect(
        asText(post(id, { content: 'Go' }).set('Accept', 'text/event-stream')).timeout(900),
      ).rejects.toThrow();
      let reply: Message | undefined;
      for (let i = 0; i < 50 && !reply; i++) {
        await sleep(100);
        reply = (await messages(id)).find((m) => m.role === 'ASSISTANT');
      }
      expect(reply).toMatchObject({ incomplete: true, model: 'gpt-4o-mini', inputTokens: null, outputTokens: null });
      expect(reply!.content.length).toBeGreaterThan(0);
      expect(words.join('').startsWith(reply!.content)).toBe(true);
      expect(reply!.content.length).toBeLessThan(words.join('').length);
    });
  });

  describe('branches', () => {
    it('editing is a sibling; regenerate makes a sibling reply; leafId gives one branch', async () => {
      const id = await newConversation();
      const first = (await post(id, { content: 'Q1' }).expect(201)).body;
      const second = (await post(id, { content: 'Q2' }).expect(201)).body;
      // Edit Q2: post under Q2's parent (the first reply).
      const edited = (await post(id, { content: 'Q2 edited', parentId: first.assistantMessage.id }).expect(201)).body;
      expect(edited.userMessage).toMatchObject({
        parentId: first.assistantMessage.id,
        siblingIds: [second.userMessage.id, edited.userMessage.id],
        siblingCount: 2,
      });
      expect(lastUserTurn().map((m) => m.content)).toEqual(['Q1', 'Stub reply to: Q1', 'Q2 edited']);

      // Regenerate the first reply: a new reply to Q1, beside it.
      stub.reply(() => 'Another answer');
      const again = (await regenerate(id, first.assistantMessage.id, { model: 'gpt-4o' }).expect(201)).body;
      expect(again).toMatchObject({
        parentId: first.userMessage.id,
        content: 'Another answer',
        model: 'gpt-4o',
        siblingIds: [first.assistantMessage.id, again.id],
      });
      expect(lastUserTurn()).toEqual([{ role: 'user', content: 'Q1' }]);

      // Without parentId a message follows the most recent message (the regenerated reply).
      const next = (await post(id, { content: 'Q3' }).expect(201)).body;
      expect(next.userMessage.parentId).toBe(again.id);

      const all = await messages(id);
      expect(all).toHaveLength(9);
      const branch = await messages(id, `&leafId=${edited.assistantMessage.id}`);
      expect(branch.map((m) => m.content)).toEqual([
        'Q1',
        'Stub reply to: Q1',
        'Q2 edited',
        'Stub reply to: Q2 edited',
      ]);
      expect(branch[1]!.siblingIds).toEqual([first.assistantMessage.id, again.id]);
      const paged = await http()
        .get(`${base}/${id}/messages?limit=3&leafId=${next.assistantMessage.id}`)
        .set(world.editor.auth)
        .expect(200);
      expect(paged.body.data.map((m: Message) => m.content)).toEqual(['Q1', 'Another answer', 'Q3']);
      const rest = await http()
        .get(`${base}/${id}/messages?limit=3&leafId=${next.assistantMessage.id}&cursor=${paged.body.nextCursor}`)
        .set(world.editor.auth)
        .expect(200);
      expect(rest.body).toEqual({ data: [expect.objectContaining({ content: 'Another answer' })], nextCursor: null });
      await http().get(`${base}/${id}/messages?leafId=${crypto.randomUUID()}`).set(world.editor.auth).expect(404);
    });

    it('regenerate streams too; a greeting (answers nothing) is a 400; unknown ids 404', async () => {
      const id = await newConversation();
      const first = (await post(id, { content: 'Q1' }).expect(201)).body;
      const res = await asText(regenerate(id, first.assistantMessage.id).set('Accept', 'text/event-stream')).expect(
        201,
      );
      const events = parseEvents(res.body as string);
      expect(events[0]!.event).toBe('delta');
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { parentId: first.userMessage.id, siblingCount: 2 } });
      await regenerate(id, crypto.randomUUID()).expect(404);
      await http()
        .post(`${base}/${id}/messages/${first.assistantMessage.id}/regenerate`)
        .set(world.admin.auth)
        .send({})
        .expect(404);
      const templateId = crypto.randomUUID();
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO conversation_templates (id, "orgId", name, "systemPrompt", "firstMessage", "updatedAt")
           VALUES ($1, $2, $3, 'S', 'Hello!', now())`,
          [templateId, world.org.id, `greeting-${templateId}`],
        ),
      );
      const greeted = await newConversation({ templateId });
      const [greeting] = await messages(greeted);
      const refused = await regenerate(greeted, greeting!.id).expect(400);
      expect(refused.body.code).toBe('VALIDATION_FAILED');
    });

    it('fork copies the branch up to a message into a new conversation of the caller, same settings', async () => {
      const id = await newConversation({ systemPrompt: 'Be kind.', model: 'gpt-4o-mini' });
      const first = (await post(id, { content: 'Q1' }).expect(201)).body;
      await post(id, { content: 'Q2' }).expect(201);
      const res = await http()
        .post(`${base}/${id}/fork`)
        .set(world.editor.auth)
        .send({ messageId: first.assistantMessage.id })
        .expect(201);
      expect(res.body).toMatchObject({ userId: world.editor.id, systemPrompt: 'Be kind.', model: 'gpt-4o-mini' });
      expect(res.body.id).not.toBe(id);
      expect(res.headers.location).toBe(`${base}/${res.body.id}`);
      const copied = await messages(res.body.id);
      expect(copied.map((m) => [m.role, m.content, m.model])).toEqual([
        ['USER', 'Q1', null],
        ['ASSISTANT', 'Stub reply to: Q1', 'gpt-4o-mini'],
      ]);
      expect(copied[1]!.parentId).toBe(copied[0]!.id);
      const audit = await t.asOwner((db) =>
        db.query<{ after: Body }>(
          `SELECT after FROM audit_logs WHERE action = 'conversation.forked' AND "resourceId" = $1`,
          [res.body.id],
        ),
      );
      expect(audit.rows[0]!.after).toMatchObject({ forkedFromConversationId: id, messages: 2 });
      const fork = (body: Body, user = world.editor) => http().post(`${base}/${id}/fork`).set(user.auth).send(body);
      await fork({}).expect(400);
      await fork({ messageId: crypto.randomUUID() }).expect(404);
      await fork({ messageId: first.userMessage.id }, world.admin).expect(404);
      await http().post(`${base}/${id}/fork`).send({ messageId: first.userMessage.id }).expect(401);
    });
  });

  describe('rate limit', () => {
    it('429 with Retry-After past the tier’s messages per minute (PRO: 3 here); nothing is stored', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user, { tier: 'PRO' });
      const key = await stubKey(t, stub, user, org.id, { defaultModel: 'gpt-4o-mini' });
      const orgBase = `/v1/orgs/${org.id}/conversations`;
      const id = (await http().post(orgBase).set(user.auth).send({ providerKeyId: key }).expect(201)).body.id;
      const send = () => http().post(`${orgBase}/${id}/messages`).set(user.auth).send({ content: 'Hi' });
      for (let i = 0; i < 3; i++) await send().expect(201);
      const res = await send().expect(429);
      expect(res.body.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect((await http().get(`${orgBase}/${id}/messages`).set(user.auth).expect(200)).body.data).toHaveLength(6);
      // Another member of the org has a budget of their own.
      const other = await signUp(t);
      await addMember(t, org.id, other.id, 'VIEWER');
      const theirs = (await http().post(orgBase).set(other.auth).send({ providerKeyId: key }).expect(201)).body.id;
      await http().post(`${orgBase}/${theirs}/messages`).set(other.auth).send({ content: 'Hi' }).expect(201);
    });
  });
});
