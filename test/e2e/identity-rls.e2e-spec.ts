import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import { compare } from 'bcrypt';
import { ClsService } from 'nestjs-cls';
import { sha256 } from '../../src/common/crypto/tokens';
import { DbContext } from '../../src/database/db-context';
import { DEMO_PASSWORD, DemoSeeder } from '../../src/database/demo-seed';
import { uuidv7 } from '../../src/database/prisma.service';
import { addMember, createOrg, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { itInProcess } from '../support/pair';

const IDENTITY_TABLES = [
  'organizations',
  'users',
  'sessions',
  'refresh_tokens',
  'accounts',
  'verification_tokens',
  'user_profiles',
] as const;

/**
 * Tables the app role may read without row-level security. Each entry says why; an entry for a
 * table that is gone, or that the app role cannot read, fails the test too.
 */
const READABLE_WITHOUT_RLS: Record<string, string> = {
  _prisma_migrations:
    'migration names and checksums only, no tenant or user data; read-only for the app role (the platform test reads it)',
};

interface Settings {
  orgId?: string;
  userId?: string;
  email?: string;
  tokenHash?: string;
  platformAdmin?: boolean;
}

type Tx = Parameters<Parameters<TestApp['prisma']['$transaction']>[0]>[0];

describe('row-level security on the identity tables (e2e)', () => {
  let t: TestApp;
  let x: TestUser;
  let y: TestUser;
  let orgX: { id: string };
  let orgY: { id: string };
  let shared: { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    [x, y] = [await signUp(t), await signUp(t)];
    orgX = await createOrg(t, x);
    orgY = await createOrg(t, y);
    shared = await createOrg(t, x);
    await addMember(t, shared.id, y.id, 'VIEWER');
    // A profile each (PUT /v1/me/active-org) and a linked account each (as the owner: no route makes one yet).
    await t.http().put('/v1/me/active-org').set(x.auth).send({ orgId: orgX.id }).expect(200);
    await t.http().put('/v1/me/active-org').set(y.auth).send({ orgId: orgY.id }).expect(200);
    for (const user of [x, y]) {
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO accounts (id, "userId", type, provider, "providerAccountId", "updatedAt")
           VALUES ($1, $2, 'oauth', 'github', $3, now())`,
          [uuidv7(), user.id, unique()],
        ),
      );
    }
  });
  afterAll(() => t.close());

  /** Runs `work` as the app role in one transaction with these RLS settings (none given: none set). */
  const asApp = <T>(settings: Settings, work: (tx: Tx) => Promise<T>): Promise<T> =>
    t.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.org_id', ${settings.orgId ?? ''}, true),
        set_config('app.user_id', ${settings.userId ?? ''}, true),
        set_config('app.email', ${settings.email ?? ''}, true),
        set_config('app.token_hash', ${settings.tokenHash ?? ''}, true),
        set_config('app.platform_admin', ${settings.platformAdmin ? 'on' : ''}, true)`;
      return work(tx);
    });
  const column = async (tx: Tx, sql: string, ...params: unknown[]): Promise<string[]> =>
    (await tx.$queryRawUnsafe<{ v: string }[]>(sql, ...params)).map((row) => row.v).sort();
  const ownerCount = async (table: string): Promise<number> =>
    (await t.asOwner((db) => db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`))).rows[0]!.n;
  const selfOf = (user: TestUser): Settings => ({ userId: user.id, email: user.email });

  it('enables and forces RLS on every table the app role can read, but for a reasoned allow-list', async () => {
    // has_any_column_privilege, not has_table_privilege: users is readable column by column. Every
    // schema counts, the job queue's (pgboss, which the app role must not read at all) included.
    const { rows } = await t.asOwner((db) =>
      db.query<{ table: string; kind: string; rls: boolean; forced: boolean }>(`
        SELECT c.relname AS table, c.relkind AS kind, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND has_any_column_privilege('orgbase_app', c.oid, 'SELECT')`),
    );
    expect(rows.length).toBeGreaterThan(30);
    const readable = rows.map((row) => row.table);
    expect(readable).toEqual(expect.arrayContaining([...IDENTITY_TABLES, 'memberships', 'variables', 'audit_logs']));
    const unprotected = rows
      .filter((row) => !(row.kind === 'r' && row.rls && row.forced))
      .map((row) => row.table)
      .filter((table) => !READABLE_WITHOUT_RLS[table]);
    expect(unprotected).toEqual([]);
    for (const [table, reason] of Object.entries(READABLE_WITHOUT_RLS)) {
      expect({ table, readable: readable.includes(table) }).toEqual({ table, readable: true });
      expect(reason.length).toBeGreaterThan(20);
    }
    // The allow-listed bookkeeping is read-only for the app role.
    const writable = await t.asOwner((db) =>
      db.query<{ w: boolean }>(
        `SELECT has_table_privilege('orgbase_app', '_prisma_migrations', 'INSERT, UPDATE, DELETE, TRUNCATE') AS w`,
      ),
    );
    expect(writable.rows).toEqual([{ w: false }]);
  });

  it('shows the app role no identity row at all without settings', async () => {
    for (const table of IDENTITY_TABLES) {
      expect({ table, owner: (await ownerCount(table)) > 0 }).toEqual({ table, owner: true });
      // Outside any transaction, and inside one with every setting empty.
      const [bare] = await t.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}"`);
      const [empty] = await asApp({}, (tx) =>
        tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}"`),
      );
      expect({ table, bare: bare!.n, empty: empty!.n }).toEqual({ table, bare: 0, empty: 0 });
    }
  });

  it("shows a user their own identity rows and none of another user's, co-member or not", async () => {
    for (const orgId of [undefined, shared.id]) {
      await asApp({ ...selfOf(x), orgId }, async (tx) => {
        expect(await column(tx, 'SELECT id::text AS v FROM users')).toEqual([x.id]);
        const userIds = (table: string) => column(tx, `SELECT DISTINCT "userId"::text AS v FROM "${table}"`);
        for (const table of ['sessions', 'verification_tokens', 'accounts', 'user_profiles']) {
          expect({ table, users: await userIds(table) }).toEqual({ table, users: [x.id] });
        }
        // Refresh tokens are read only by whoever presents one.
        expect(await column(tx, 'SELECT id::text AS v FROM refresh_tokens')).toEqual([]);
        // Nor can X change Y's rows.
        expect(await tx.$executeRaw`UPDATE users SET name = 'taken over' WHERE id = ${y.id}::uuid`).toBe(0);
        expect(await tx.$executeRaw`UPDATE sessions SET "revokedAt" = now() WHERE "userId" = ${y.id}::uuid`).toBe(0);
      });
    }
    // Y's email in the scope shows Y's user row (login), not Y's sessions or tokens.
    await asApp({ email: y.email }, async (tx) => {
      expect(await column(tx, 'SELECT id::text AS v FROM users')).toEqual([y.id]);
      expect(await column(tx, 'SELECT id::text AS v FROM sessions')).toEqual([]);
    });
    // Y's refresh token shows that token and its session, not Y's user row or other sessions.
    await asApp({ tokenHash: sha256(y.refreshToken) }, async (tx) => {
      expect(await column(tx, 'SELECT "sessionId"::text AS v FROM refresh_tokens')).toHaveLength(1);
      expect(await column(tx, 'SELECT "userId"::text AS v FROM sessions')).toEqual([y.id]);
      expect(await column(tx, 'SELECT id::text AS v FROM users')).toEqual([]);
    });
  });

  it('never lets the app role read passwordHash; app_password_hash gives login and password change the one they need', async () => {
    await asApp(selfOf(x), async (tx) => {
      await expect(tx.$queryRawUnsafe('SELECT "passwordHash" FROM users WHERE id = $1::uuid', x.id)).rejects.toThrow(
        /permission denied/,
      );
    });
    await asApp(selfOf(x), (tx) =>
      expect(tx.$queryRawUnsafe('SELECT * FROM users')).rejects.toThrow(/permission denied/),
    );
    // Prisma's global omit keeps the column out of SELECT and RETURNING lists...
    const updated = await asApp(selfOf(x), (tx) =>
      tx.user.update({ where: { id: x.id }, data: { name: 'X renamed' } }),
    );
    expect(updated).toMatchObject({ id: x.id, name: 'X renamed' });
    expect(updated).not.toHaveProperty('passwordHash');
    const email = `created-${unique()}@example.test`;
    const created = await asApp({ email }, (tx) => tx.user.create({ data: { email, name: 'New', passwordHash: 'h' } }));
    expect(created).not.toHaveProperty('passwordHash');
    // ...without it, the same update is refused by the column privilege.
    await expect(
      asApp(selfOf(x), (tx) =>
        tx.user.update({ where: { id: x.id }, data: { name: 'X' }, omit: { passwordHash: false } }),
      ),
    ).rejects.toThrow(/permission denied/);

    const hashIn = (settings: Settings) =>
      asApp(
        settings,
        async (tx) => (await tx.$queryRaw<{ h: string | null }[]>`SELECT app_password_hash() AS h`)[0]!.h,
      );
    expect(await compare(x.password, (await hashIn(selfOf(x)))!)).toBe(true);
    expect(await compare(y.password, (await hashIn({ email: y.email }))!)).toBe(true);
    // The scope's user wins over an email: never someone else's hash next to one's own.
    expect(await compare(x.password, (await hashIn({ userId: x.id, email: y.email }))!)).toBe(true);
    expect(await hashIn({})).toBeNull();
    expect(await hashIn({ orgId: shared.id })).toBeNull();
  });

  it('lets only platform administration change platformRole or suspendedAt, and nobody email or deletedAt', async () => {
    const z = await signUp(t);
    const own = (statement: string) => asApp(selfOf(z), (tx) => tx.$executeRawUnsafe(statement, z.id));
    // users_update lets a user change their own row, but the database refuses these columns to them.
    await expect(own(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1::uuid`)).rejects.toThrow(
      /only under platform administration/,
    );
    await expect(own(`UPDATE users SET "suspendedAt" = now() WHERE id = $1::uuid`)).rejects.toThrow(
      /only under platform administration/,
    );
    await expect(own(`UPDATE users SET email = 'someone.else@example.test' WHERE id = $1::uuid`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(own(`UPDATE users SET "deletedAt" = now() WHERE id = $1::uuid`)).rejects.toThrow(/permission denied/);
    // Setting them to what they are is no change; other columns stay writable.
    expect(await own(`UPDATE users SET "platformRole" = 'USER', name = 'Z' WHERE id = $1::uuid`)).toBe(1);
    // Platform administration may.
    const admin = (statement: string) => asApp({ platformAdmin: true }, (tx) => tx.$executeRawUnsafe(statement, z.id));
    expect(await admin(`UPDATE users SET "suspendedAt" = now() WHERE id = $1::uuid`)).toBe(1);
    expect(await admin(`UPDATE users SET "suspendedAt" = NULL WHERE id = $1::uuid`)).toBe(1);
    expect(
      (await t.asOwner((db) => db.query('SELECT "platformRole", email FROM users WHERE id = $1', [z.id]))).rows,
    ).toEqual([{ platformRole: 'USER', email: z.email }]);
  });

  it("erases or inspects an account for deletion only in the user's own scope or under platform administration", async () => {
    const z = await signUp(t);
    await createOrg(t, z);
    for (const call of ['SELECT * FROM app_erase_user($1::uuid)', 'SELECT * FROM app_user_sole_owner_orgs($1::uuid)']) {
      for (const settings of [{}, selfOf(x), { ...selfOf(x), orgId: shared.id }]) {
        await expect(asApp(settings, (tx) => tx.$queryRawUnsafe(call, z.id))).rejects.toThrow(
          /only the user or platform administration/,
        );
      }
    }
    // The user's own scope sees the org they alone own, and erasing is refused while they do.
    const owned = await asApp(selfOf(z), (tx) =>
      tx.$queryRawUnsafe<{ id: string }[]>('SELECT id::text AS id FROM app_user_sole_owner_orgs($1::uuid)', z.id),
    );
    expect(owned).toHaveLength(1);
    await expect(
      asApp({ platformAdmin: true }, (tx) => tx.$queryRawUnsafe('SELECT * FROM app_erase_user($1::uuid)', z.id)),
    ).rejects.toThrow(/last active owner/);
    await t.http().get('/v1/me').set(z.auth).expect(200);
  });

  it("shows a co-member only the other member's public fields (email and name), inside the org's scope", async () => {
    const res = await t.http().get(`/v1/orgs/${shared.id}/members`).set(x.auth).expect(200);
    expect(res.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: y.id, email: y.email, name: expect.any(String) })]),
    );
    const profiles = (settings: Settings, orgId: string) =>
      asApp(
        settings,
        (tx) =>
          tx.$queryRaw<Record<string, string>[]>`SELECT * FROM app_org_member_profiles(${orgId}::uuid) ORDER BY email`,
      );
    const rows = await profiles({ ...selfOf(x), orgId: shared.id }, shared.id);
    expect(rows.map((row) => Object.keys(row).sort())).toEqual([
      ['email', 'id', 'name'],
      ['email', 'id', 'name'],
    ]);
    expect(rows.map((row) => row.id).sort()).toEqual([x.id, y.id].sort());
    // Not for another org than the scope's, and not without an org scope.
    expect(await profiles({ ...selfOf(x), orgId: shared.id }, orgY.id)).toEqual([]);
    expect(await profiles(selfOf(x), shared.id)).toEqual([]);
  });

  it('shows a non-member nothing of another organization', async () => {
    for (const orgId of [undefined, orgX.id]) {
      await asApp({ ...selfOf(x), orgId }, async (tx) => {
        expect(await column(tx, 'SELECT id::text AS v FROM organizations')).toEqual([orgX.id, shared.id].sort());
        expect(await tx.$executeRaw`UPDATE organizations SET name = 'mine now' WHERE id = ${orgY.id}::uuid`).toBe(0);
      });
    }
    // Another org's scope is the only way to see it; creating an org outside its own scope fails.
    await asApp({ orgId: orgY.id }, async (tx) =>
      expect(await column(tx, 'SELECT id::text AS v FROM organizations')).toEqual([orgY.id]),
    );
    await expect(
      asApp({ ...selfOf(x), orgId: orgX.id }, (tx) =>
        tx.organization.create({ data: { id: uuidv7(), name: 'Smuggled', slug: `smuggled-${unique()}` } }),
      ),
    ).rejects.toThrow();
    await t.http().get(`/v1/orgs/${orgY.id}`).set(x.auth).expect(404);
    // Once removed, a former member sees the org no more.
    await t.http().delete(`/v1/orgs/${shared.id}/members/${y.id}`).set(x.auth).expect(204);
    await asApp(selfOf(y), async (tx) =>
      expect(await column(tx, 'SELECT id::text AS v FROM organizations')).toEqual([orgY.id]),
    );
    await addMember(t, shared.id, y.id, 'VIEWER');
  });

  it('checks a session in one query that leaves the scope as it was', async () => {
    const principal = (settings: Settings, userId: string, sessionId: string) =>
      asApp(settings, async (tx) => {
        const rows = await tx.$queryRaw<{ email: string }[]>`
          SELECT email FROM app_session_principal(${userId}::uuid, ${sessionId}::uuid)`;
        const [after] = await tx.$queryRaw<{ u: string }[]>`SELECT current_setting('app.user_id', true) AS u`;
        return { emails: rows.map((row) => row.email), userAfter: after!.u };
      });
    const sessionOf = async (user: TestUser) =>
      (await t.asOwner((db) => db.query<{ id: string }>('SELECT id FROM sessions WHERE "userId" = $1', [user.id])))
        .rows[0]!.id;
    expect(await principal({}, x.id, await sessionOf(x))).toEqual({ emails: [x.email], userAfter: '' });
    expect(await principal(selfOf(y), x.id, await sessionOf(y))).toEqual({ emails: [], userAfter: y.id });
  });

  describe('platform admin bypass', () => {
    let admin: TestUser;

    beforeAll(async () => {
      admin = await signUp(t);
      await t.asOwner((db) => db.query(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1`, [admin.id]));
    });
    afterEach(() => jest.restoreAllMocks());

    it('sees every user and organization only inside DbContext.asPlatformAdmin, and not after it', async () => {
      const db = t.app.get(DbContext);
      const counts = () =>
        db.client.$queryRaw<{ users: number; orgs: number }[]>`
          SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM organizations) AS orgs`;
      const seen = await t.app.get(ClsService).run(() =>
        db.run(selfOf(admin), async () => {
          const before = (await counts())[0];
          const inside = (await db.asPlatformAdmin(counts))[0];
          const after = (await counts())[0];
          return { before, inside, after };
        }),
      );
      const all = { users: await ownerCount('users'), orgs: await ownerCount('organizations') };
      expect(seen).toEqual({ before: { users: 1, orgs: 0 }, inside: all, after: { users: 1, orgs: 0 } });
      // A platform admin's own scope is no bypass.
      expect(await asApp(selfOf(admin), (tx) => column(tx, 'SELECT id::text AS v FROM users'))).toEqual([admin.id]);
    });

    itInProcess('is used by the admin routes, which log the admin and the request', async () => {
      const log = jest.spyOn(Logger.prototype, 'log');
      const res = await t
        .http()
        .get(`/v1/admin/users?q=${encodeURIComponent(y.email)}`)
        .set(admin.auth)
        .expect(200);
      expect(res.body.data.map((user: { id: string }) => user.id)).toEqual([y.id]);
      expect(log).toHaveBeenCalledWith(
        expect.objectContaining({
          event: 'platform_admin.rls_bypass',
          operation: 'users.list',
          userId: admin.id,
          requestId: res.headers['x-request-id'],
        }),
        expect.any(String),
      );
    });

    it('is set nowhere but DbContext.asPlatformAdmin, and called nowhere but PlatformAdminScope', () => {
      const root = join(__dirname, '../../src');
      const files = (dir: string): string[] =>
        readdirSync(dir).flatMap((name) => {
          const path = join(dir, name);
          if (name === 'generated') return [];
          // Specs may name the call (e.g. the lint boundary test); only running code counts.
          if (name.endsWith('.spec.ts')) return [];
          return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
        });
      const using = (pattern: RegExp) =>
        files(root)
          .filter((path) => pattern.test(readFileSync(path, 'utf8')))
          .map((path) => relative(root, path))
          .sort();
      expect(using(/app\.platform_admin/)).toEqual(['database/db-context.ts']);
      expect(using(/asPlatformAdmin\(/)).toEqual(['common/tenancy/platform-admin-scope.ts', 'database/db-context.ts']);
      // `platformAdmin` elsewhere is the route rule (@Authenticated({ platformAdmin: true })), not the scope.
      const routeRule = /(\.controller|common\/(auth\/decorators|tenancy\/(role\.guard|route-declarations)))\.ts$/;
      expect(using(/platformAdmin/).filter((path) => !routeRule.test(path))).toEqual(['database/db-context.ts']);
    });
  });

  it('seeds the demo data under row-level security, as the app role, and its owner signs in', async () => {
    const seeder = new DemoSeeder(t.prisma, { log: () => undefined }, 4);
    expect(await seeder.seedIfEmpty()).toBe(false);
    await seeder.seed();
    const login = await t
      .http()
      .post('/v1/auth/login')
      .send({ email: 'owner@orgbase.local', password: DEMO_PASSWORD })
      .expect(200);
    const orgs = await t
      .http()
      .get('/v1/orgs')
      .set({ Authorization: `Bearer ${login.body.accessToken}` });
    expect(orgs.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Acme Labs', role: 'OWNER', tier: 'PRO' }),
        expect.objectContaining({ name: 'Initech Enterprise', role: 'OWNER', tier: 'ENTERPRISE' }),
      ]),
    );
    expect(orgs.body.data).toHaveLength(2);
  });
});
