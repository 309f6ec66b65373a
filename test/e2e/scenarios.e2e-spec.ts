import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;

/** A refund conversation: one USER turn, one EXPECT turn with every deterministic type. */
const TURNS = [
  { type: 'USER', text: 'I want my money back for order 1234' },
  {
    type: 'EXPECT',
    expectations: [
      { type: 'MUST_CONTAIN', values: ['refund', '30 days'], weight: 2 },
      { type: 'MUST_CONTAIN_ANY', values: ['sorry', 'apologise'] },
      { type: 'MUST_NOT_CONTAIN', values: ['lawyer'], caseSensitive: true },
      { type: 'REGEX', pattern: 'order #?\\d{4}' },
      { type: 'SEMANTIC_ASSERT', assertion: 'The reply is polite', weight: 3 },
    ],
  },
];

describe('scenarios (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/scenarios`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/scenarios`;
  });
  afterAll(() => t.close());

  const create = (user: TestUser, body: Body, orgBase = base) => t.http().post(orgBase).set(user.auth).send(body);
  const scenario = async (body: Body = {}, orgBase = base, user = world.editor) =>
    (await create(user, { name: `s-${unique()}`, turns: TURNS, ...body }, orgBase).expect(201)).body;
  const write = (method: 'put' | 'patch', id: string, body: Body, etag: string | null, user = world.editor) => {
    const req = t.http()[method](`${base}/${id}`).set(user.auth);
    return (etag === null ? req : req.set('If-Match', etag)).send(body);
  };
  const patch = (id: string, body: Body, etag: string | null, user = world.editor) =>
    write('patch', id, body, etag, user);
  const versions = async (id: string) =>
    (await t.http().get(`${base}/${id}/versions`).set(world.viewer.auth).expect(200)).body.data;
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);
  const fields = (res: { body: { errors: { field: string }[] } }) => res.body.errors.map((e) => e.field).sort();

  describe('POST /scenarios', () => {
    it('creates a scenario with its turns in order (EDITOR), defaults filled, audited', async () => {
      const res = await create(world.editor, {
        name: 'refund-request',
        description: 'A customer asks for a refund',
        tags: ['support'],
        turns: TURNS,
      }).expect(201);
      expect(res.body).toMatchObject({
        name: 'refund-request',
        locale: 'en',
        status: 'DRAFT',
        tags: ['support'],
        version: 1,
        turnCount: 2,
        expectationCount: 5,
        orgId: world.org.id,
        createdByUserId: world.editor.id,
      });
      expect(res.headers.etag).toBe('"1"');
      expect(res.body.turns).toEqual([
        { type: 'USER', text: 'I want my money back for order 1234', expectations: [] },
        {
          type: 'EXPECT',
          text: null,
          expectations: [
            {
              type: 'MUST_CONTAIN',
              values: ['refund', '30 days'],
              pattern: null,
              assertion: null,
              caseSensitive: false,
              weight: 2,
            },
            {
              type: 'MUST_CONTAIN_ANY',
              values: ['sorry', 'apologise'],
              pattern: null,
              assertion: null,
              caseSensitive: false,
              weight: 1,
            },
            {
              type: 'MUST_NOT_CONTAIN',
              values: ['lawyer'],
              pattern: null,
              assertion: null,
              caseSensitive: true,
              weight: 1,
            },
            { type: 'REGEX', values: [], pattern: 'order #?\\d{4}', assertion: null, caseSensitive: false, weight: 1 },
            {
              type: 'SEMANTIC_ASSERT',
              values: [],
              pattern: null,
              assertion: 'The reply is polite',
              caseSensitive: false,
              weight: 3,
            },
          ],
        },
      ]);
      expect(await versions(res.body.id)).toEqual([]); // a draft has no snapshot
      expect(await auditActions(res.body.id)).toEqual(['scenario.created']);
    });

    it('400 on invalid fields, naming nested paths', async () => {
      const res = await create(world.editor, {
        name: ' ',
        locale: 'English',
        status: 'LIVE',
        extra: 1,
        turns: [
          { type: 'SYSTEM' },
          { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['x'], weight: 0 }] },
        ],
      }).expect(400);
      expect(fields(res)).toEqual([
        'extra',
        'locale',
        'name',
        'status',
        'turns.0.type',
        'turns.1.expectations.0.weight',
      ]);
      await create(world.editor, { name: 'no-turns' }).expect(400);
      const heavy = await create(world.editor, {
        name: `w-${unique()}`,
        turns: [TURNS[0], { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['x'], weight: 101 }] }],
      }).expect(400);
      expect(fields(heavy)).toEqual(['turns.1.expectations.0.weight']);
    });

    it('400 on turns that break the turn rules, each named by its path', async () => {
      const res = await create(world.editor, {
        name: `bad-${unique()}`,
        turns: [
          { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['a'] }] },
          { type: 'USER', text: ' ', expectations: [{ type: 'MUST_CONTAIN', values: ['a'] }] },
          { type: 'EXPECT', text: 'hello' },
          {
            type: 'EXPECT',
            expectations: [
              { type: 'MUST_CONTAIN', pattern: 'x' },
              { type: 'MUST_NOT_CONTAIN', values: ['ok', ' '] },
              { type: 'REGEX', values: ['a'] },
              { type: 'SEMANTIC_ASSERT', assertion: '   ' },
            ],
          },
        ],
      }).expect(400);
      expect(res.body.errors).toEqual([
        { field: 'turns.0.type', messages: [expect.stringContaining('needs a USER turn before it')] },
        { field: 'turns.1.text', messages: ['a USER turn needs text'] },
        { field: 'turns.1.expectations', messages: ['a USER turn has no expectations'] },
        { field: 'turns.2.text', messages: ['an EXPECT turn has no text'] },
        { field: 'turns.2.expectations', messages: ['an EXPECT turn needs at least one expectation'] },
        { field: 'turns.3.expectations.0.values', messages: ['MUST_CONTAIN needs values'] },
        { field: 'turns.3.expectations.0.pattern', messages: ['MUST_CONTAIN does not use pattern'] },
        { field: 'turns.3.expectations.1.values', messages: [expect.stringContaining('must not be blank')] },
        { field: 'turns.3.expectations.2.values', messages: ['REGEX does not use values'] },
        { field: 'turns.3.expectations.2.pattern', messages: ['REGEX needs pattern'] },
        { field: 'turns.3.expectations.3.assertion', messages: ['assertion is blank'] },
      ]);
    });

    it('400 for REGEX patterns RE2 cannot run or that backtrack catastrophically, with the reason', async () => {
      const expecting = (pattern: string) => ({
        name: `re-${unique()}`,
        turns: [TURNS[0], { type: 'EXPECT', expectations: [{ type: 'REGEX', pattern }] }],
      });
      const cases: [string, RegExp][] = [
        ['(a)\\1', /Backreferences/],
        ['a(?=b)', /Lookahead and lookbehind/],
        ['(a+)+$', /backtrack catastrophically/],
        ['(?i)abc', /caseSensitive: false/],
        ['[', /not valid RE2 syntax/],
      ];
      for (const [pattern, reason] of cases) {
        const res = await create(world.editor, expecting(pattern)).expect(400);
        expect(res.body.errors).toEqual([
          { field: 'turns.1.expectations.0.pattern', messages: [expect.stringMatching(reason)] },
        ]);
      }
      const long = await create(world.editor, expecting('a'.repeat(501))).expect(400);
      expect(fields(long)).toEqual(['turns.1.expectations.0.pattern']);
    });

    it('409 DUPLICATE for a name taken in the org; the same name in another org is fine', async () => {
      await scenario({ name: 'dup' });
      expect((await create(world.admin, { name: 'dup', turns: [] }).expect(409)).body.code).toBe('DUPLICATE');
      await scenario({ name: 'dup' }, otherBase, world.outsider);
    });

    it('401 without credentials, 403 for a VIEWER, 404 for a non-member', async () => {
      await t.http().post(base).send({ name: 'x', turns: [] }).expect(401);
      expect((await create(world.viewer, { name: 'x', turns: [] }).expect(403)).body.code).toBe('FORBIDDEN');
      await create(world.outsider, { name: 'x', turns: [] }).expect(404);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 50 scenarios", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 50 }, (_, i) => ({ orgId: org.id, name: `s${i}` }));
      await inOrg(t, org.id, (tx) => tx.scenario.createMany({ data: rows }));
      const res = await create(owner, { name: 'one-too-many', turns: [] }, `/v1/orgs/${org.id}/scenarios`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
    });
  });

  describe('GET /scenarios and /scenarios/{scenarioId}', () => {
    it('lists newest change first with counts and cursor paging, filtered by status, tag and q', async () => {
      const tag = `t${unique()}`;
      const a = await scenario({ name: `list-a-${tag}`, tags: [tag], turns: [TURNS[0]] });
      const b = await scenario({ name: `list-b-${tag}`, tags: [tag], status: 'PUBLISHED' });
      const c = await scenario({ name: `list-c-${tag}`, tags: [tag] });
      const first = await t.http().get(`${base}?tag=${tag}&limit=2`).set(world.viewer.auth).expect(200);
      expect(first.body.data.map((s: { id: string }) => s.id)).toEqual([c.id, b.id]);
      expect(first.body.data[0]).toMatchObject({ turnCount: 2, expectationCount: 5 });
      expect(first.body.data[0].turns).toBeUndefined();
      const second = await t
        .http()
        .get(`${base}?tag=${tag}&limit=2&cursor=${first.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(second.body).toEqual({
        data: [expect.objectContaining({ id: a.id, turnCount: 1, expectationCount: 0 })],
        nextCursor: null,
      });
      const published = await t.http().get(`${base}?tag=${tag}&status=PUBLISHED`).set(world.viewer.auth).expect(200);
      expect(published.body.data.map((s: { id: string }) => s.id)).toEqual([b.id]);
      const searched = await t.http().get(`${base}?q=LIST-A-${tag}`).set(world.viewer.auth).expect(200);
      expect(searched.body.data.map((s: { id: string }) => s.id)).toEqual([a.id]);
      await t.http().get(`${base}?status=NOPE`).set(world.viewer.auth).expect(400);
      await t.http().get(`${base}?cursor=garbage`).set(world.viewer.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });

    it("gets one with its turns and ETag; another org's id and a non-uuid are 404", async () => {
      const mine = await scenario();
      const got = await t.http().get(`${base}/${mine.id}`).set(world.viewer.auth).expect(200);
      expect(got.body).toEqual(mine);
      expect(got.headers.etag).toBe('"1"');
      await t.http().get(`${base}/${mine.id}`).expect(401);
      const theirs = await scenario({}, otherBase, world.outsider);
      await t.http().get(`${base}/${theirs.id}`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/not-a-uuid`).set(world.owner.auth).expect(404);
    });
  });

  describe('PUT, PATCH and DELETE /scenarios/{scenarioId}', () => {
    it('PATCH changes some fields; turns, when given, replace all turns; the ETag moves', async () => {
      const s = await scenario();
      const tagged = await patch(s.id, { tags: ['x'], description: null }, '"1"').expect(200);
      expect(tagged.body).toMatchObject({ version: 2, tags: ['x'], description: null, turnCount: 2 });
      expect(tagged.headers.etag).toBe('"2"');
      const turns = [
        { type: 'USER', text: 'Hi' },
        { type: 'USER', text: 'Are you there?' },
        { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['yes'] }] },
      ];
      const replaced = await patch(s.id, { turns }, '"2"').expect(200);
      expect(replaced.body).toMatchObject({ version: 3, turnCount: 3, expectationCount: 1 });
      expect(replaced.body.turns.map((turn: { text: string | null }) => turn.text)).toEqual([
        'Hi',
        'Are you there?',
        null,
      ]);
      const stored = await t.asOwner((db) =>
        db.query(
          `SELECT (SELECT count(*) FROM scenario_turns WHERE "scenarioId" = $1)::int AS t,
                  (SELECT count(*) FROM scenario_expectations WHERE "scenarioId" = $1)::int AS e`,
          [s.id],
        ),
      );
      expect(stored.rows).toEqual([{ t: 3, e: 1 }]);
      expect(await auditActions(s.id)).toEqual(['scenario.created', 'scenario.updated', 'scenario.updated']);
    });

    it('PUT replaces the whole scenario, defaults for what it leaves out', async () => {
      const s = await scenario({ description: 'd', tags: ['a'], locale: 'de-CH' });
      const res = await write('put', s.id, { name: s.name, turns: [TURNS[0]] }, '"1"').expect(200);
      expect(res.body).toMatchObject({
        description: null,
        tags: [],
        locale: 'en',
        status: 'DRAFT',
        turnCount: 1,
        version: 2,
      });
      await write('put', s.id, { turns: [] }, '"2"').expect(400);
      await write('put', s.id, { name: s.name, turns: [] }, null).expect(428);
      await write('put', s.id, { name: s.name, turns: [] }, '"1"').expect(412);
      await write('put', s.id, { name: s.name, turns: [] }, '"2"', world.viewer).expect(403);
      await t.http().put(`${base}/${s.id}`).set('If-Match', '*').send({ name: 'x', turns: [] }).expect(401);
      const theirs = await scenario({}, otherBase, world.outsider);
      await write('put', theirs.id, { name: 'x', turns: [] }, '*', world.owner).expect(404);
      const other = await scenario();
      expect((await write('put', s.id, { name: other.name, turns: [] }, '"2"').expect(409)).body.code).toBe(
        'DUPLICATE',
      );
    });

    it('400 on null for fields that cannot be empty or on bad turns, 428 without If-Match, 412 when stale', async () => {
      const s = await scenario();
      const nulls = await patch(
        s.id,
        { name: null, locale: null, status: null, tags: null, turns: null },
        '"1"',
      ).expect(400);
      expect(fields(nulls)).toEqual(['locale', 'name', 'status', 'tags', 'turns']);
      await patch(s.id, { turns: [{ type: 'EXPECT', expectations: [] }] }, '"1"').expect(400);
      await patch(s.id, { tags: ['y'] }, null).expect(428);
      await patch(s.id, { tags: ['y'] }, '"7"').expect(412);
      const again = await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200);
      expect(again.body).toMatchObject({ version: 1, turnCount: 2 });
    });

    it('two concurrent PATCHes with the same If-Match: one 200, one 412, turns of the winner only', async () => {
      const s = await scenario();
      const results = await Promise.all([
        patch(s.id, { turns: [{ type: 'USER', text: 'left' }] }, '"1"'),
        patch(
          s.id,
          {
            turns: [
              { type: 'USER', text: 'right' },
              { type: 'USER', text: 'again' },
            ],
          },
          '"1"',
        ),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = results.find((r) => r.status === 200)!;
      const got = await t.http().get(`${base}/${s.id}`).set(world.viewer.auth).expect(200);
      expect(got.body.turns).toEqual(winner.body.turns);
      expect(got.body.version).toBe(2);
    });

    it('401, 403 for a VIEWER, 404 for another org, 409 for a taken name', async () => {
      const s = await scenario();
      const other = await scenario();
      await t.http().patch(`${base}/${s.id}`).set('If-Match', '"1"').send({ tags: [] }).expect(401);
      await patch(s.id, { tags: [] }, '"1"', world.viewer).expect(403);
      const theirs = await scenario({}, otherBase, world.outsider);
      await patch(theirs.id, { tags: [] }, '*', world.owner).expect(404);
      expect((await patch(s.id, { name: other.name }, '"1"').expect(409)).body.code).toBe('DUPLICATE');
    });

    it('deletes with its turns and versions (EDITOR, If-Match); 403 VIEWER, 404 other org and after', async () => {
      const s = await scenario({ status: 'PUBLISHED' });
      const del = (id = s.id) => t.http().delete(`${base}/${id}`).set('If-Match', '"1"');
      await del().expect(401);
      await del().set(world.viewer.auth).expect(403);
      await t.http().delete(`${base}/${s.id}`).set(world.editor.auth).expect(428);
      await del().set(world.editor.auth).expect(204);
      await del().set(world.editor.auth).expect(404);
      const left = await t.asOwner((db) =>
        db.query(
          `SELECT (SELECT count(*) FROM scenario_turns WHERE "scenarioId" = $1)::int AS t,
                  (SELECT count(*) FROM scenario_versions WHERE "scenarioId" = $1)::int AS v`,
          [s.id],
        ),
      );
      expect(left.rows).toEqual([{ t: 0, v: 0 }]);
      expect(await auditActions(s.id)).toEqual(['scenario.created', 'scenario.deleted']);
      const theirs = await scenario({}, otherBase, world.outsider);
      await t.http().delete(`${base}/${theirs.id}`).set('If-Match', '*').set(world.owner.auth).expect(404);
    });
  });

  describe('versions and restore', () => {
    it('snapshots on publishing and on each change while published, not for drafts or no-op saves', async () => {
      const s = await scenario();
      await patch(s.id, { tags: ['draft-change'] }, '"1"').expect(200);
      expect(await versions(s.id)).toEqual([]);
      await patch(s.id, { status: 'PUBLISHED' }, '"2"').expect(200);
      await patch(s.id, { status: 'PUBLISHED', tags: ['draft-change'] }, '"3"').expect(200); // nothing changed
      await patch(s.id, { turns: [TURNS[0]] }, '"4"').expect(200);
      await patch(s.id, { status: 'ARCHIVED' }, '"5"').expect(200);
      const list = await versions(s.id);
      expect(list.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(list[1]).toMatchObject({
        scenarioId: s.id,
        createdByUserId: world.editor.id,
        snapshot: { name: s.name, locale: 'en', tags: ['draft-change'], turns: s.turns },
      });
      expect(list[0].snapshot.turns).toEqual([{ type: 'USER', text: TURNS[0]!.text, expectations: [] }]);
      const page = await t.http().get(`${base}/${s.id}/versions?limit=1`).set(world.viewer.auth).expect(200);
      const rest = await t
        .http()
        .get(`${base}/${s.id}/versions?limit=1&cursor=${page.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(rest.body.data.map((v: { version: number }) => v.version)).toEqual([1]);
      await t.http().get(`${base}/${s.id}/versions?limit=0`).set(world.viewer.auth).expect(400);
      await t.http().get(`${base}/${s.id}/versions`).expect(401);
      const theirs = await scenario({ status: 'PUBLISHED' }, otherBase, world.outsider);
      await t.http().get(`${base}/${theirs.id}/versions`).set(world.owner.auth).expect(404);
    });

    it('restore makes the snapshot current as a new change (and a new snapshot when published)', async () => {
      const s = await scenario({ status: 'PUBLISHED', description: 'first' });
      await patch(s.id, { description: 'second', turns: [TURNS[0]] }, '"1"').expect(200);
      const restore = (version: string, etag: string | null, user = world.editor, id = s.id) => {
        const req = t.http().post(`${base}/${id}/versions/${version}/restore`).set(user.auth);
        return etag === null ? req : req.set('If-Match', etag);
      };
      const res = await restore('1', '"2"').expect(200);
      expect(res.body).toMatchObject({ version: 3, description: 'first', status: 'PUBLISHED', turns: s.turns });
      expect(res.headers.etag).toBe('"3"');
      expect((await versions(s.id)).map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
      expect((await auditActions(s.id)).at(-1)).toBe('scenario.restored');
      await restore('1', null).expect(428);
      await restore('1', '"2"').expect(412);
      await restore('9', '*').expect(404);
      await restore('0', '*').expect(404);
      await restore('1', '*', world.viewer).expect(403);
      await t.http().post(`${base}/${s.id}/versions/1/restore`).set('If-Match', '*').expect(401);
      const theirs = await scenario({ status: 'PUBLISHED' }, otherBase, world.outsider);
      await restore('1', '*', world.owner, theirs.id).expect(404);
    });
  });

  describe('POST /scenarios/{scenarioId}/duplicate', () => {
    it('copies the current content as a new DRAFT scenario at version 1', async () => {
      const s = await scenario({ status: 'PUBLISHED', tags: ['a'], locale: 'fr' });
      const copy = await t
        .http()
        .post(`${base}/${s.id}/duplicate`)
        .set(world.editor.auth)
        .send({ name: `copy-${unique()}` })
        .expect(201);
      expect(copy.body).toMatchObject({ status: 'DRAFT', version: 1, tags: ['a'], locale: 'fr', turns: s.turns });
      expect(copy.body.id).not.toBe(s.id);
      expect(copy.headers.etag).toBe('"1"');
      expect(await versions(copy.body.id)).toEqual([]);
    });

    it('400 without a name, 401, 403 VIEWER, 404 other org, 409 for a taken name', async () => {
      const s = await scenario();
      const dup = (body: Body, user?: TestUser, id = s.id) => {
        const req = t.http().post(`${base}/${id}/duplicate`);
        return (user ? req.set(user.auth) : req).send(body);
      };
      await dup({}, world.editor).expect(400);
      await dup({ name: 'x' }).expect(401);
      await dup({ name: `v-${unique()}` }, world.viewer).expect(403);
      const theirs = await scenario({}, otherBase, world.outsider);
      await dup({ name: `o-${unique()}` }, world.owner, theirs.id).expect(404);
      expect((await dup({ name: s.name }, world.editor).expect(409)).body.code).toBe('DUPLICATE');
    });
  });

  describe('POST /scenarios/{scenarioId}/evaluate', () => {
    const evaluate = (id: string, body: Body, headers: Record<string, string> = world.viewer.auth) =>
      t.http().post(`${base}/${id}/evaluate`).set(headers).send(body);

    it('evaluates every expectation type on the reply so far (VIEWER), semantic left to a judge', async () => {
      const s = await scenario();
      const good = await evaluate(s.id, {
        replies: ['We are SORRY: a refund of order #1234 within 30 days is fine.'],
      }).expect(200);
      expect(good.body).toEqual({
        scenarioId: s.id,
        version: 1,
        passed: true,
        score: 1,
        totals: { expectations: 5, passed: 4, failed: 0, notEvaluated: 1 },
        turns: [
          {
            turnIndex: 1,
            replyIndex: 0,
            expectations: [
              {
                type: 'MUST_CONTAIN',
                passed: true,
                score: 1,
                weight: 2,
                reason: 'contains all of: "refund", "30 days"',
              },
              { type: 'MUST_CONTAIN_ANY', passed: true, score: 1, weight: 1, reason: 'contains: "sorry"' },
              { type: 'MUST_NOT_CONTAIN', passed: true, score: 1, weight: 1, reason: 'contains none of: "lawyer"' },
              { type: 'REGEX', passed: true, score: 1, weight: 1, reason: expect.stringContaining('matched') },
              {
                type: 'SEMANTIC_ASSERT',
                passed: null,
                score: null,
                weight: 3,
                reason: expect.stringContaining('needs a model judge'),
              },
            ],
          },
        ],
      });
      const bad = await evaluate(s.id, { replies: ['Talk to my lawyer about a refund.'] }).expect(200);
      expect(bad.body).toMatchObject({
        passed: false,
        score: 0,
        totals: { passed: 0, failed: 4, notEvaluated: 1 },
      });
      expect(bad.body.turns[0].expectations.map((e: { reason: string }) => e.reason)).toEqual([
        'missing: "30 days"',
        'contains none of: "sorry", "apologise"',
        'found: "lawyer"',
        'no match for /order #?\\d{4}/',
        expect.any(String),
      ]);
    });

    it('reply i answers USER turn i; each EXPECT turn uses the last reply before it', async () => {
      const s = await scenario({
        turns: [
          { type: 'USER', text: 'Hi' },
          { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['hello'] }] },
          { type: 'USER', text: 'Bye' },
          { type: 'USER', text: 'Really?' },
          { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['really'] }] },
          { type: 'EXPECT', expectations: [{ type: 'MUST_NOT_CONTAIN', values: ['hello'] }] },
        ],
      });
      const res = await evaluate(s.id, { replies: ['Hello!', 'Goodbye', 'Really, bye'] }).expect(200);
      expect(
        res.body.turns.map((turn: { turnIndex: number; replyIndex: number }) => [turn.turnIndex, turn.replyIndex]),
      ).toEqual([
        [1, 0],
        [4, 2],
        [5, 2],
      ]);
      expect(res.body).toMatchObject({ passed: true, score: 1, totals: { expectations: 3, passed: 3 } });
    });

    it('400 when the reply count is not the USER turn count, or replies are not strings', async () => {
      const s = await scenario();
      const res = await evaluate(s.id, { replies: ['one', 'two'] }).expect(400);
      expect(res.body.detail).toBe('The scenario has 1 USER turn(s): send exactly one reply for each (got 2)');
      expect(res.body.errors).toEqual([{ field: 'replies', messages: [expect.stringContaining('one per USER turn')] }]);
      await evaluate(s.id, { replies: [] }).expect(400);
      await evaluate(s.id, { replies: [3] }).expect(400);
      await evaluate(s.id, {}).expect(400);
      // An empty reply is a reply: it is evaluated, not refused.
      const empty = await evaluate(s.id, { replies: [''] }).expect(200);
      expect(empty.body.turns[0].expectations[0].reason).toBe('missing: "refund", "30 days" (the reply is empty)');
    });

    it('changes nothing; API keys need scenarios:read; 401, 404 other org and non-member', async () => {
      const s = await scenario();
      await evaluate(s.id, { replies: ['x'] }).expect(200);
      expect(await auditActions(s.id)).toEqual(['scenario.created']);
      const reader = await serviceApiKey(t, world.org.id, ['scenarios:read']);
      await evaluate(s.id, { replies: ['x'] }, reader).expect(200);
      await t.http().get(`${base}/${s.id}`).set(reader).expect(200);
      await t
        .http()
        .post(base)
        .set(reader)
        .send({ name: `k-${unique()}`, turns: [] })
        .expect(403);
      const writer = await serviceApiKey(t, world.org.id, ['scenarios:write']);
      await evaluate(s.id, { replies: ['x'] }, writer).expect(403);
      await t
        .http()
        .post(base)
        .set(writer)
        .send({ name: `k-${unique()}`, turns: [] })
        .expect(201);
      await t
        .http()
        .post(`${base}/${s.id}/evaluate`)
        .send({ replies: ['x'] })
        .expect(401);
      await evaluate(s.id, { replies: ['x'] }, world.outsider.auth).expect(404);
      const theirs = await scenario({}, otherBase, world.outsider);
      await evaluate(theirs.id, { replies: ['x'] }, world.owner.auth).expect(404);
    });
  });
});
