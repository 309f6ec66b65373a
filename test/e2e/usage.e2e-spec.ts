import { randomUUID } from 'node:crypto';
import { orgWithEveryRole, serviceApiKey } from '../factories';
import { withFlagOff } from '../support/feature-flags';
import { createTestApp, type TestApp } from '../support/test-app';

interface Reply {
  user: 'admin' | 'editor';
  model: string | null;
  day: string;
  input: number;
  output: number;
  cost: string | null;
}

/** Replies of two users and two models over two days (plus rows that must not count). */
const REPLIES: Reply[] = [
  { user: 'admin', model: 'gpt-4o-mini', day: '2026-03-01', input: 100, output: 20, cost: '0.000123' },
  { user: 'admin', model: 'gpt-4o-mini', day: '2026-03-01', input: 50, output: 5, cost: '0.000045' },
  { user: 'admin', model: 'claude-3-5-haiku', day: '2026-03-02', input: 300, output: 40, cost: '0.100001' },
  { user: 'editor', model: 'gpt-4o-mini', day: '2026-03-02', input: 7, output: 3, cost: '0.2' },
  { user: 'editor', model: 'claude-3-5-haiku', day: '2026-03-01', input: 11, output: 13, cost: null },
  { user: 'editor', model: null, day: '2026-03-02', input: 1, output: 1, cost: '0.000001' },
];

describe('usage (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  const ids: Record<'admin' | 'editor', string> = { admin: '', editor: '' };

  const sql = (text: string, values: unknown[]) => t.asOwner((db) => db.query(text, values));
  const conversation = async (orgId: string, userId: string) => {
    const id = randomUUID();
    await sql(`INSERT INTO conversations (id, "orgId", "userId", "updatedAt") VALUES ($1, $2, $3, now())`, [
      id,
      orgId,
      userId,
    ]);
    return id;
  };
  const message = (
    orgId: string,
    conversationId: string,
    role: 'USER' | 'ASSISTANT',
    at: string,
    reply: Partial<Reply> = {},
  ) =>
    sql(
      `INSERT INTO messages (id, "orgId", "conversationId", role, content, model, "inputTokens", "outputTokens", "costUsd", "createdAt")
       VALUES ($1, $2, $3, $4::"MessageRole", 'x', $5, $6, $7, $8::numeric, $9::timestamptz)`,
      [
        randomUUID(),
        orgId,
        conversationId,
        role,
        reply.model ?? null,
        reply.input ?? null,
        reply.output ?? null,
        reply.cost ?? null,
        at,
      ],
    );

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/usage`;
    ids.admin = world.admin.id;
    ids.editor = world.editor.id;
    const conversations = {
      admin: await conversation(world.org.id, world.admin.id),
      editor: await conversation(world.org.id, world.editor.id),
    };
    for (const [i, reply] of REPLIES.entries()) {
      const at = `${reply.day}T${String(10 + i).padStart(2, '0')}:00:00Z`;
      await message(world.org.id, conversations[reply.user], 'ASSISTANT', at, reply);
      await message(world.org.id, conversations[reply.user], 'USER', at, { input: 999, output: 999, cost: '9' });
    }
    // Outside the period (just after it), and in another org: never counted.
    await message(world.org.id, conversations.admin, 'ASSISTANT', '2026-03-03T00:00:00Z', { input: 5, cost: '1' });
    const other = await conversation(world.otherOrg.id, world.outsider.id);
    await message(world.otherOrg.id, other, 'ASSISTANT', '2026-03-01T12:00:00Z', { input: 5, cost: '1' });
  });
  afterAll(() => t.close());

  const get = (query: string, auth = world.admin.auth) => t.http().get(`${base}?${query}`).set(auth);
  const period = 'from=2026-03-01&to=2026-03-02';

  /** The expected rows, summed from the stored rows themselves (what the database holds). */
  const storedRows = async (groupBy: 'user' | 'model' | 'day', onlyUser?: string) => {
    const key = {
      user: `c."userId"::text`,
      model: 'm.model',
      day: `to_char(m."createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    }[groupBy];
    const { rows } = await sql(
      `SELECT ${key} AS key, count(*)::int AS messages, coalesce(sum(m."inputTokens"), 0)::int AS "inputTokens",
         coalesce(sum(m."outputTokens"), 0)::int AS "outputTokens", coalesce(sum(m."costUsd"), 0)::text AS "costUsd"
       FROM messages m JOIN conversations c ON c.id = m."conversationId"
       WHERE m."orgId" = $1 AND m.role = 'ASSISTANT' AND m."createdAt" >= '2026-03-01' AND m."createdAt" < '2026-03-03'
         AND ($2::uuid IS NULL OR c."userId" = $2::uuid)
       GROUP BY 1 ORDER BY 1 NULLS LAST`,
      [world.org.id, onlyUser ?? null],
    );
    return (rows as { costUsd: string }[]).map((row) => ({ ...row, costUsd: Number(row.costUsd) }));
  };

  it.each(['user', 'model', 'day'] as const)(
    'groupBy=%s: an ADMIN sees everyone, and every figure reconciles with the stored replies',
    async (groupBy) => {
      const res = await get(`${period}&groupBy=${groupBy}`).expect(200);
      expect(res.body).toMatchObject({ from: '2026-03-01', to: '2026-03-02', groupBy });
      expect(res.body.data).toEqual(await storedRows(groupBy));
      expect(res.body.totals).toEqual({ messages: 6, inputTokens: 469, outputTokens: 82, costUsd: 0.30017 });
    },
  );

  it('the figures by hand: per user, per model (null for replies without one), per day', async () => {
    const byUser = (await get(`${period}&groupBy=user`).expect(200)).body.data;
    expect(byUser).toEqual(
      expect.arrayContaining([
        { key: ids.admin, messages: 3, inputTokens: 450, outputTokens: 65, costUsd: 0.100169 },
        { key: ids.editor, messages: 3, inputTokens: 19, outputTokens: 17, costUsd: 0.200001 },
      ]),
    );
    const byModel = (await get(`${period}&groupBy=model`).expect(200)).body.data;
    expect(byModel).toEqual([
      { key: 'claude-3-5-haiku', messages: 2, inputTokens: 311, outputTokens: 53, costUsd: 0.100001 },
      { key: 'gpt-4o-mini', messages: 3, inputTokens: 157, outputTokens: 28, costUsd: 0.200168 },
      { key: null, messages: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.000001 },
    ]);
    const byDay = (await get(`${period}&groupBy=day`).expect(200)).body.data;
    expect(byDay.map((r: { key: string; messages: number }) => [r.key, r.messages])).toEqual([
      ['2026-03-01', 3],
      ['2026-03-02', 3],
    ]);
    // One day only; groupBy defaults to day.
    const one = (await get('from=2026-03-02&to=2026-03-02').expect(200)).body;
    expect(one).toMatchObject({ groupBy: 'day', totals: { messages: 3, inputTokens: 308 } });
  });

  it('an EDITOR (and a VIEWER) sees only their own conversations; an OWNER everyone', async () => {
    const mine = await get(`${period}&groupBy=user`, world.editor.auth).expect(200);
    expect(mine.body.data).toEqual(await storedRows('user', ids.editor));
    expect(mine.body.data.map((r: { key: string }) => r.key)).toEqual([ids.editor]);
    expect(mine.body.totals).toEqual({ messages: 3, inputTokens: 19, outputTokens: 17, costUsd: 0.200001 });
    const viewer = await get(`${period}&groupBy=model`, world.viewer.auth).expect(200);
    expect(viewer.body).toMatchObject({
      data: [],
      totals: { messages: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
    });
    const owner = await get(`${period}&groupBy=user`, world.owner.auth).expect(200);
    expect(owner.body.data).toHaveLength(2);
  });

  it('an API key with conversations:read sees the whole org; without the scope 403', async () => {
    const key = await serviceApiKey(t, world.org.id, ['conversations:read']);
    const res = await get(`${period}&groupBy=user`, key).expect(200);
    expect(res.body.data).toEqual(await storedRows('user'));
    const other = await serviceApiKey(t, world.org.id, ['prompts:read']);
    await get(period, other).expect(403);
  });

  it('400 on bad dates, from after to, a period over 366 days, an unknown groupBy', async () => {
    for (const query of [
      'from=2026-3-1&to=2026-03-02',
      'from=2026-02-30&to=2026-03-02',
      'from=2026-03-03&to=2026-03-02',
      'from=2025-03-01&to=2026-03-02',
      `${period}&groupBy=week`,
      `${period}&extra=1`,
    ]) {
      const res = await get(query);
      expect([query, res.status, res.body.code]).toEqual([query, 400, 'VALIDATION_FAILED']);
    }
    // 366 days, both included, is the most.
    await get('from=2025-03-02&to=2026-03-02').expect(200);
  });

  it('401 without credentials, 404 for another org, 403 FEATURE_DISABLED with the chat flag off', async () => {
    await t.http().get(`${base}?${period}`).expect(401);
    const otherOrg = await get(period, world.outsider.auth).expect(404);
    expect(otherOrg.body.code).toBe('NOT_FOUND');
    await withFlagOff(t, world.org, world.owner, 'chat', async () => {
      expect((await get(period).expect(403)).body.code).toBe('FEATURE_DISABLED');
    });
  });
});
