import { createOrg, memberOf, signUp, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The guards cache sessions, memberships, API keys and org plans (AccessCache). Changes made
 * behind this instance's back (another instance, an operator's SQL) must still end access at
 * once: the database announces them (triggers → NOTIFY) and every instance drops the entries.
 * Each test changes a row as the owner, outside the API, so only the announcement can tell the
 * server; and "within a second" is polled, never a fixed sleep.
 */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  do {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  } while (Date.now() < until);
  return false;
}

/** Runs `sql` as the owner with triggers off (session_replication_role): a change nobody announces. */
const SILENTLY = (sql: string) =>
  `SET session_replication_role = replica; ${sql}; SET session_replication_role = origin`;

const PG_ONLY = process.env.DATABASE_URL ? describe : describe.skip;

describe('access cache: a change anywhere ends cached access at once (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let orgId: string;
  let variables: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t);
    orgId = (await createOrg(t, owner)).id;
    variables = `/v1/orgs/${orgId}/variables`;
  });
  afterAll(() => t.close());

  const sessionOf = async (user: TestUser) =>
    (await t.http().get('/v1/auth/sessions').set(user.auth).expect(200)).body.data.find(
      (session: { current: boolean }) => session.current,
    ).id as string;

  it('a session revoked in the database stops working within a second', async () => {
    const user = await memberOf(t, orgId, 'VIEWER');
    await t.http().get(variables).set(user.auth).expect(200);
    const sessionId = await sessionOf(user);
    await t.asOwner((sql) => sql.exec(`UPDATE sessions SET "revokedAt" = now() WHERE id = '${sessionId}'`));
    expect(await within(1000, async () => (await t.http().get(variables).set(user.auth)).status === 401)).toBe(true);
  });

  it('a user suspended in the database is refused within a second', async () => {
    const user = await memberOf(t, orgId, 'VIEWER');
    await t.http().get(variables).set(user.auth).expect(200);
    await t.asOwner((sql) => sql.exec(`UPDATE users SET "suspendedAt" = now() WHERE id = '${user.id}'`));
    expect(await within(1000, async () => (await t.http().get(variables).set(user.auth)).status === 401)).toBe(true);
  });

  it('a role lowered in the database applies within a second', async () => {
    const user = await memberOf(t, orgId, 'EDITOR');
    await t.http().post(variables).set(user.auth).send({ key: 'k_editor', value: 'v' }).expect(201);
    await t.asOwner((sql) =>
      sql.exec(`UPDATE memberships SET role = 'VIEWER' WHERE "orgId" = '${orgId}' AND "userId" = '${user.id}'`),
    );
    const refused = async () =>
      (
        await t
          .http()
          .post(variables)
          .set(user.auth)
          .send({ key: `k_${Date.now()}`, value: 'v' })
      ).status === 403;
    expect(await within(1000, refused)).toBe(true);
  });

  it('a membership removed in the database, or its org deleted, answers 404 within a second', async () => {
    const user = await memberOf(t, orgId, 'VIEWER');
    await t.http().get(variables).set(user.auth).expect(200);
    await t.asOwner((sql) =>
      sql.exec(`DELETE FROM memberships WHERE "orgId" = '${orgId}' AND "userId" = '${user.id}'`),
    );
    expect(await within(1000, async () => (await t.http().get(variables).set(user.auth)).status === 404)).toBe(true);

    const other = await signUp(t);
    const otherOrg = (await createOrg(t, other)).id;
    await t.http().get(`/v1/orgs/${otherOrg}/variables`).set(other.auth).expect(200);
    await t.asOwner((sql) => sql.exec(`UPDATE organizations SET "deletedAt" = now() WHERE id = '${otherOrg}'`));
    const gone = async () => (await t.http().get(`/v1/orgs/${otherOrg}/variables`).set(other.auth)).status === 404;
    expect(await within(1000, gone)).toBe(true);
  });

  it('an API key revoked in the database is refused within a second', async () => {
    const created = await t
      .http()
      .post(`/v1/orgs/${orgId}/api-keys`)
      .set(owner.auth)
      .send({ name: `cache-${Date.now()}`, scopes: ['variables:read'] })
      .expect(201);
    const key = { Authorization: `Bearer ${created.body.key}` };
    await t.http().get(variables).set(key).expect(200);
    await t.asOwner((sql) =>
      sql.exec(`UPDATE service_api_keys SET "revokedAt" = now() WHERE id = '${created.body.id}'`),
    );
    expect(await within(1000, async () => (await t.http().get(variables).set(key)).status === 401)).toBe(true);
  });

  it('logout through the API ends the token on the very next request', async () => {
    const user = await memberOf(t, orgId, 'VIEWER');
    await t.http().get(variables).set(user.auth).expect(200);
    await t.http().post('/v1/auth/logout').set(user.auth).send({}).expect(204);
    await t.http().get(variables).set(user.auth).expect(401);
  });

  PG_ONLY('what is cached, and what happens when announcements stop (PostgreSQL)', () => {
    it('a change nobody announces is not seen while cached: the cache is really used', async () => {
      const user = await memberOf(t, orgId, 'VIEWER');
      await t.http().get(variables).set(user.auth).expect(200);
      const sessionId = await sessionOf(user);
      await t.asOwner((sql) => sql.exec(SILENTLY(`UPDATE sessions SET "revokedAt" = now() WHERE id = '${sessionId}'`)));
      await t.http().get(variables).set(user.auth).expect(200);
    });

    it('when the listening connection is lost, the cache is emptied and not used until it is back', async () => {
      const user = await memberOf(t, orgId, 'VIEWER');
      await t.http().get(variables).set(user.auth).expect(200);
      const sessionId = await sessionOf(user);
      await t.asOwner((sql) =>
        sql.exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`),
      );
      await t.asOwner((sql) => sql.exec(SILENTLY(`UPDATE sessions SET "revokedAt" = now() WHERE id = '${sessionId}'`)));
      expect(await within(1000, async () => (await t.http().get(variables).set(user.auth)).status === 401)).toBe(true);
      // Back to normal: the listener reconnects and access changes are seen again.
      const next = await memberOf(t, orgId, 'VIEWER');
      await t.http().get(variables).set(next.auth).expect(200);
      const nextSession = await sessionOf(next);
      await t.asOwner((sql) => sql.exec(`UPDATE sessions SET "revokedAt" = now() WHERE id = '${nextSession}'`));
      expect(await within(2000, async () => (await t.http().get(variables).set(next.auth)).status === 401)).toBe(true);
    });
  });
});

describe('ACCESS_CACHE_TTL_MS=0 looks up every request (e2e)', () => {
  let t: TestApp;
  afterAll(() => t.close());

  it('sees even a change nobody announces', async () => {
    t = await createTestApp({ env: { ACCESS_CACHE_TTL_MS: '0' } });
    const user = await signUp(t);
    const orgId = (await createOrg(t, user)).id;
    await t.http().get(`/v1/orgs/${orgId}/variables`).set(user.auth).expect(200);
    await t.asOwner((sql) => sql.exec(SILENTLY(`UPDATE users SET "suspendedAt" = now() WHERE id = '${user.id}'`)));
    await t.http().get(`/v1/orgs/${orgId}/variables`).set(user.auth).expect(401);
  });
});
