import { randomUUID } from 'node:crypto';
import type { SqlSession } from '../../src/database/migrator';
import { createTestApp, type TestApp } from '../support/test-app';

/** Shaped like key-ring ciphertext: the database refuses plaintext in secret columns. */
const STORED_SECRET = 'v1.test.aXY.dGFn.Y2lwaGVy';

/**
 * What the database itself guarantees, whatever a service does (issue 6): composite tenant keys,
 * an index for every foreign key, privacy inside an org under row-level security, and data that
 * survives deletions. Rows are written with SQL, as the owner (outside RLS) or as the app role.
 */

type Row = Record<string, unknown>;
type Attempt = { rows: Row[]; code: string | null };

let t: TestApp;

/** An INSERT of `row` (with a fresh id unless given) into `table`, and its parameters. */
function insertStatement(table: string, row: Row): [string, unknown[], string] {
  const values: Row = { id: randomUUID(), ...row };
  const columns = Object.keys(values);
  const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')})
    VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  return [sql, Object.values(values), values.id as string];
}

/** Inserts a row and returns its id. */
async function insert(db: SqlSession, table: string, row: Row): Promise<string> {
  const [sql, params, id] = insertStatement(table, row);
  await db.query(sql, params);
  return id;
}

/** Runs one statement behind a savepoint: its rows, or the SQLSTATE that refused it. */
async function attempt(db: SqlSession, sql: string, params: unknown[] = []): Promise<Attempt> {
  await db.exec('SAVEPOINT attempt');
  try {
    const { rows } = await db.query<Row>(sql, params);
    await db.exec('RELEASE SAVEPOINT attempt');
    return { rows, code: null };
  } catch (error) {
    await db.exec('ROLLBACK TO SAVEPOINT attempt');
    return { rows: [], code: (error as { code?: string }).code ?? String(error) };
  }
}

/** Null when the row is accepted, else the SQLSTATE that refused it. */
async function tryInsert(db: SqlSession, table: string, row: Row): Promise<string | null> {
  const [sql, params] = insertStatement(table, row);
  return (await attempt(db, sql, params)).code;
}

/**
 * Runs `work` in a transaction that is always rolled back: as the owner (no RLS), or, given a
 * scope, as the server's role with app.org_id / app.user_id set as the server sets them.
 */
function inTransaction<T>(scope: { orgId: string; userId?: string } | 'owner', work: (db: SqlSession) => Promise<T>) {
  return t.asOwner(async (db) => {
    await db.exec('BEGIN');
    try {
      if (scope !== 'owner') {
        await db.exec(`SET LOCAL ROLE ${t.config.DATABASE_APP_ROLE}`);
        await db.query(`SELECT set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)`, [
          scope.orgId,
          scope.userId ?? '',
        ]);
      }
      return await work(db);
    } finally {
      await db.exec('ROLLBACK');
    }
  });
}

const owner = <T>(work: (db: SqlSession) => Promise<T>) => t.asOwner(work);
const ids = (rows: Row[]) => rows.map((row) => row.id).sort();
const now = () => new Date();
const name = () => `n-${randomUUID().slice(0, 8)}`;

const createUser = (db: SqlSession) =>
  insert(db, 'users', { email: `${name()}@example.test`, name: 'U', updatedAt: now() });
const createOrg = (db: SqlSession) => insert(db, 'organizations', { name: 'Org', slug: name(), updatedAt: now() });

/** One row of every parent table in `orgId`, the user-owned ones created by `userId`. */
async function createParents(db: SqlSession, orgId: string, userId: string) {
  const at = { orgId, updatedAt: now() };
  const scenarios = await insert(db, 'scenarios', { ...at, name: name() });
  return {
    user: userId,
    prompts: await insert(db, 'prompts', { ...at, name: name(), content: 'c' }),
    scenarios,
    scenario_turns: await insert(db, 'scenario_turns', {
      orgId,
      scenarioId: scenarios,
      orderIndex: 0,
      turnType: 'EXPECT',
    }),
    scenario_suites: await insert(db, 'scenario_suites', { ...at, name: name() }),
    conversations: await insert(db, 'conversations', { ...at, userId }),
    agents: await insert(db, 'agents', { ...at, name: name(), agentType: 'CUSTOM' }),
    canvas_models: await insert(db, 'canvas_models', { ...at, name: name() }),
    canvases: await insert(db, 'canvases', { ...at, name: name(), createdByUserId: userId }),
    hosts: await insert(db, 'hosts', { ...at, name: name(), address: '127.0.0.1' }),
    git_providers: await insert(db, 'git_providers', { ...at, name: name(), providerType: 'GITHUB' }),
  };
}
type Parents = Awaited<ReturnType<typeof createParents>>;
type ParentTable = Exclude<keyof Parents, 'user'>;

/**
 * Every child -> parent key between two tenant tables: [child, column, parent, a valid child row
 * given its org's parents, the refusal the app role gets]. Where the child's write policy looks
 * the parent up (messages, canvas versions), row-level security refuses (42501) before the key does.
 */
const PAIRS: [string, string, ParentTable, (p: Parents) => Row, ('23503' | '42501')?][] = [
  ['prompt_versions', 'promptId', 'prompts', (p) => ({ promptId: p.prompts, version: 1, content: 'c' })],
  ['scenario_turns', 'scenarioId', 'scenarios', (p) => ({ scenarioId: p.scenarios, orderIndex: 1, turnType: 'USER' })],
  ['scenario_expectations', 'scenarioId', 'scenarios', (p) => ({ scenarioId: p.scenarios, expectationType: 'REGEX' })],
  [
    'scenario_expectations',
    'turnId',
    'scenario_turns',
    (p) => ({ scenarioId: p.scenarios, turnId: p.scenario_turns, expectationType: 'REGEX' }),
  ],
  ['scenario_versions', 'scenarioId', 'scenarios', (p) => ({ scenarioId: p.scenarios, version: 1, snapshot: '{}' })],
  [
    'scenario_suite_items',
    'suiteId',
    'scenario_suites',
    (p) => ({ suiteId: p.scenario_suites, scenarioId: p.scenarios }),
  ],
  ['scenario_suite_items', 'scenarioId', 'scenarios', (p) => ({ suiteId: p.scenario_suites, scenarioId: p.scenarios })],
  [
    'messages',
    'conversationId',
    'conversations',
    (p) => ({ conversationId: p.conversations, role: 'USER', content: 'hi' }),
    '42501',
  ],
  ['agent_versions', 'agentId', 'agents', (p) => ({ agentId: p.agents, version: 1, config: '{}' })],
  ['executions', 'agentId', 'agents', (p) => ({ agentId: p.agents, agentVersion: 1, updatedAt: now() })],
  [
    'canvas_model_versions',
    'modelId',
    'canvas_models',
    (p) => ({ modelId: p.canvas_models, version: 1, schema: '{}' }),
  ],
  [
    'canvases',
    'modelId',
    'canvas_models',
    (p) => ({ modelId: p.canvas_models, createdByUserId: p.user, name: name(), updatedAt: now() }),
  ],
  ['canvas_versions', 'canvasId', 'canvases', (p) => ({ canvasId: p.canvases, version: 1, data: '{}' }), '42501'],
  [
    'ssh_connections',
    'hostId',
    'hosts',
    (p) => ({
      hostId: p.hosts,
      name: name(),
      host: '127.0.0.1',
      username: 'u',
      encryptedPassword: STORED_SECRET,
      updatedAt: now(),
    }),
  ],
  [
    'repositories',
    'providerId',
    'git_providers',
    (p) => ({ providerId: p.git_providers, name: name(), updatedAt: now() }),
  ],
];

describe('database constraints (e2e)', () => {
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('structure', () => {
    it('makes every foreign key between two tenant tables include orgId on both sides', async () => {
      const { rows } = await owner((db) =>
        db.query<{ name: string; columns: string; referenced: string }>(`
          SELECT con.conname AS name,
            (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS columns,
            (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n) AS referenced
          FROM pg_constraint con
          WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
            AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = con.conrelid AND attname = 'orgId')
            AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = con.confrelid AND attname = 'orgId')`),
      );
      const orgIdPaired = (row: { columns: string; referenced: string }) => {
        const referenced = row.referenced.split(',');
        return row.columns.split(',').some((column, i) => column === 'orgId' && referenced[i] === 'orgId');
      };
      expect(rows.length).toBeGreaterThanOrEqual(PAIRS.length);
      expect(rows.filter((row) => !orgIdPaired(row))).toEqual([]);
    });

    it('gives every foreign key an index that leads with its columns', async () => {
      const { rows } = await owner((db) =>
        db.query<{ name: string; missing: boolean }>(`
          SELECT con.conname AS name, NOT EXISTS (
            SELECT 1 FROM pg_index i
            WHERE i.indrelid = con.conrelid AND i.indpred IS NULL
              AND (SELECT array_agg(x ORDER BY x)
                   FROM unnest((string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)]) x)
                = (SELECT array_agg(x ORDER BY x) FROM unnest(con.conkey) x)) AS missing
          FROM pg_constraint con
          WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace`),
      );
      expect(rows.length).toBeGreaterThan(30);
      expect(rows.filter((row) => row.missing).map((row) => row.name)).toEqual([]);
    });
  });

  describe('composite tenant keys', () => {
    let a: Parents;
    let b: Parents;
    let orgB: string;

    beforeAll(async () => {
      await owner(async (db) => {
        const [userA, userB] = [await createUser(db), await createUser(db)];
        const orgA = await createOrg(db);
        orgB = await createOrg(db);
        a = await createParents(db, orgA, userA);
        b = await createParents(db, orgB, userB);
      });
    });

    const cases = PAIRS.map(([child, column, parent, row, refusal = '23503']) => ({
      child,
      column,
      parent,
      row,
      refusal,
    }));

    it.each(cases)("refuses a $child row whose $column points at another org's $parent", async (pair) => {
      const { child, column, parent, row, refusal } = pair;
      const smuggled: Row = { ...row({ ...b, [parent]: a[parent] }), orgId: orgB };
      expect(smuggled[column]).toBe(a[parent]);
      // The key itself, with row-level security out of the way.
      expect(await inTransaction('owner', (db) => tryInsert(db, child, smuggled))).toBe('23503');
      // The server's role, scoped to org B.
      const scopeB = { orgId: orgB, userId: b.user };
      expect(await inTransaction(scopeB, (db) => tryInsert(db, child, smuggled))).toBe(refusal);
      // The same row pointing at org B's own parent is accepted.
      expect(await inTransaction(scopeB, (db) => tryInsert(db, child, { ...row(b), orgId: orgB }))).toBeNull();
    });
  });

  describe('privacy inside an org', () => {
    let org: string;
    let x: string;
    let y: string;
    let mine: string;
    let yPrivate: string;
    let yShared: string;
    let yPrivateCanvas: string;
    let yOrgCanvas: string;

    beforeAll(async () => {
      await owner(async (db) => {
        [x, y, org] = [await createUser(db), await createUser(db), await createOrg(db)];
        const at = { orgId: org, updatedAt: now() };
        mine = await insert(db, 'conversations', { ...at, userId: x });
        yPrivate = await insert(db, 'conversations', { ...at, userId: y });
        yShared = await insert(db, 'conversations', { ...at, userId: y, sharedWithOrg: true });
        for (const conversationId of [mine, yPrivate, yShared]) {
          await insert(db, 'messages', { orgId: org, conversationId, role: 'USER', content: 'hi' });
        }
        yPrivateCanvas = await insert(db, 'canvases', { ...at, name: name(), createdByUserId: y });
        yOrgCanvas = await insert(db, 'canvases', { ...at, name: name(), createdByUserId: y, visibility: 'ORG' });
        for (const canvasId of [yPrivateCanvas, yOrgCanvas]) {
          await insert(db, 'canvas_versions', { orgId: org, canvasId, version: 1, data: '{}' });
        }
      });
    });

    const visible = (db: SqlSession, sql: string, params: unknown[]) =>
      db.query<Row>(sql, params).then(({ rows }) => ids(rows));

    it("shows a member their own and shared conversations and messages, never another member's private ones", async () => {
      await inTransaction({ orgId: org, userId: x }, async (db) => {
        const all = [mine, yPrivate, yShared];
        expect(await visible(db, 'SELECT id FROM conversations WHERE id = ANY($1::uuid[])', [all])).toEqual(
          [mine, yShared].sort(),
        );
        const messages = await db.query<{ conversationId: string }>(
          'SELECT "conversationId" FROM messages WHERE "conversationId" = ANY($1::uuid[])',
          [all],
        );
        expect(messages.rows.map((row) => row.conversationId).sort()).toEqual([mine, yShared].sort());
      });
    });

    it('lets no one but the creator change or delete a conversation or write its messages, shared or not', async () => {
      await inTransaction({ orgId: org, userId: x }, async (db) => {
        const others = [yPrivate, yShared];
        const changed = await attempt(
          db,
          `UPDATE conversations SET title = 'x' WHERE id = ANY($1::uuid[]) RETURNING id`,
          [others],
        );
        expect(changed).toEqual({ rows: [], code: null });
        expect(
          await attempt(db, 'DELETE FROM conversations WHERE id = ANY($1::uuid[]) RETURNING id', [others]),
        ).toEqual({
          rows: [],
          code: null,
        });
        expect(
          await attempt(db, `UPDATE messages SET content = 'x' WHERE "conversationId" = ANY($1::uuid[]) RETURNING id`, [
            others,
          ]),
        ).toEqual({ rows: [], code: null });
        const reply = { orgId: org, conversationId: yShared, role: 'USER', content: 'me too' };
        expect(await tryInsert(db, 'messages', reply)).toBe('42501');
        expect(await tryInsert(db, 'messages', { ...reply, conversationId: mine })).toBeNull();
        const own = await attempt(db, `UPDATE conversations SET title = 'x' WHERE id = $1 RETURNING id`, [mine]);
        expect(own.rows).toHaveLength(1);
      });
    });

    it("refuses a conversation created in another member's name", async () => {
      await inTransaction({ orgId: org, userId: x }, async (db) => {
        const conversation = { orgId: org, userId: y, updatedAt: now() };
        expect(await tryInsert(db, 'conversations', conversation)).toBe('42501');
        expect(await tryInsert(db, 'conversations', { ...conversation, userId: x })).toBeNull();
      });
    });

    it('shows a PRIVATE canvas only to its creator and an ORG canvas to the org, versions alike', async () => {
      const both = [yPrivateCanvas, yOrgCanvas];
      const seen = (userId: string) =>
        inTransaction({ orgId: org, userId }, async (db) => ({
          canvases: await visible(db, 'SELECT id FROM canvases WHERE id = ANY($1::uuid[])', [both]),
          versions: (
            await db.query<{ canvasId: string }>(
              'SELECT "canvasId" FROM canvas_versions WHERE "canvasId" = ANY($1::uuid[])',
              [both],
            )
          ).rows.map((row) => row.canvasId),
        }));
      expect(await seen(x)).toEqual({ canvases: [yOrgCanvas], versions: [yOrgCanvas] });
      expect(await seen(y)).toEqual({ canvases: both.sort(), versions: expect.arrayContaining(both) });
    });

    it('lets a member create canvases only as themselves and change only their own or ORG-visible ones', async () => {
      await inTransaction({ orgId: org, userId: x }, async (db) => {
        const canvas = { orgId: org, name: name(), createdByUserId: y, updatedAt: now() };
        expect(await tryInsert(db, 'canvases', canvas)).toBe('42501');
        expect(await tryInsert(db, 'canvases', { ...canvas, createdByUserId: x })).toBeNull();
        const rename = (id: string) => attempt(db, `UPDATE canvases SET name = 'x' WHERE id = $1 RETURNING id`, [id]);
        expect((await rename(yPrivateCanvas)).rows).toHaveLength(0);
        expect((await rename(yOrgCanvas)).rows).toHaveLength(1);
        const version = (canvasId: string) =>
          tryInsert(db, 'canvas_versions', { orgId: org, canvasId, version: 2, data: '{}' });
        expect(await version(yPrivateCanvas)).toBe('42501');
        expect(await version(yOrgCanvas)).toBeNull();
      });
    });

    it('gives a scope without a user (a service API key) only shared conversations and ORG canvases', async () => {
      await inTransaction({ orgId: org }, async (db) => {
        expect(
          await visible(db, 'SELECT id FROM conversations WHERE id = ANY($1::uuid[])', [[mine, yPrivate, yShared]]),
        ).toEqual([yShared]);
        expect(
          await visible(db, 'SELECT id FROM canvases WHERE id = ANY($1::uuid[])', [[yPrivateCanvas, yOrgCanvas]]),
        ).toEqual([yOrgCanvas]);
        expect(await tryInsert(db, 'conversations', { orgId: org, userId: x, updatedAt: now() })).toBe('42501');
      });
    });
  });

  describe('deletions', () => {
    const count = async (db: SqlSession, table: string, column: string, value: string) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}" WHERE "${column}" = $1`, [value]))
        .rows[0]!.n;

    it("keeps an organization's audit trail when the organization is deleted", async () => {
      await inTransaction('owner', async (db) => {
        const orgId = await createOrg(db);
        await createParents(db, orgId, await createUser(db));
        await insert(db, 'audit_logs', {
          orgId,
          seq: 1,
          actorType: 'SYSTEM',
          action: 'organization.created',
          resourceType: 'organization',
          hash: 'h',
        });
        // Children whose keys refuse orphans (RESTRICT) go in the same cascade as their parents.
        const model = await insert(db, 'canvas_models', { orgId, name: name(), updatedAt: now() });
        const host = await insert(db, 'hosts', { orgId, name: name(), address: '127.0.0.1', updatedAt: now() });
        await insert(db, 'canvases', { orgId, modelId: model, name: name(), updatedAt: now() });
        await insert(db, 'ssh_connections', {
          orgId,
          hostId: host,
          name: name(),
          host: 'h',
          username: 'u',
          encryptedPassword: STORED_SECRET,
          updatedAt: now(),
        });

        await db.query('DELETE FROM organizations WHERE id = $1', [orgId]);
        expect(await count(db, 'audit_logs', 'orgId', orgId)).toBe(1);
        expect(await count(db, 'canvases', 'orgId', orgId)).toBe(0);
        expect(await count(db, 'ssh_connections', 'orgId', orgId)).toBe(0);
      });
    });

    it('refuses to delete a canvas template or host still in use instead of detaching silently', async () => {
      await inTransaction('owner', async (db) => {
        const orgId = await createOrg(db);
        const model = await insert(db, 'canvas_models', { orgId, name: name(), updatedAt: now() });
        const host = await insert(db, 'hosts', { orgId, name: name(), address: '127.0.0.1', updatedAt: now() });
        await insert(db, 'canvases', { orgId, modelId: model, name: name(), updatedAt: now() });
        await insert(db, 'ssh_connections', {
          orgId,
          hostId: host,
          name: name(),
          host: 'h',
          username: 'u',
          encryptedPassword: STORED_SECRET,
          updatedAt: now(),
        });
        // ON DELETE RESTRICT: foreign_key_violation on PostgreSQL 15, restrict_violation on newer.
        const refused = ['23503', '23001'];
        expect(refused).toContain((await attempt(db, 'DELETE FROM canvas_models WHERE id = $1', [model])).code);
        expect(refused).toContain((await attempt(db, 'DELETE FROM hosts WHERE id = $1', [host])).code);
      });
    });

    it("keeps a deleted user's ORG-visible canvas and its versions, without a creator", async () => {
      await inTransaction('owner', async (db) => {
        const [orgId, userId] = [await createOrg(db), await createUser(db)];
        const canvasId = await insert(db, 'canvases', {
          orgId,
          name: name(),
          createdByUserId: userId,
          visibility: 'ORG',
          updatedAt: now(),
        });
        await insert(db, 'canvas_versions', { orgId, canvasId, version: 1, data: '{}' });
        await db.query('DELETE FROM users WHERE id = $1', [userId]);
        const { rows } = await db.query('SELECT "createdByUserId" FROM canvases WHERE id = $1', [canvasId]);
        expect(rows).toEqual([{ createdByUserId: null }]);
        expect(await count(db, 'canvas_versions', 'canvasId', canvasId)).toBe(1);
      });
    });
  });
});
