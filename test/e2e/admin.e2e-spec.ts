import { createOrg, orgWithEveryRole, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

describe('platform administration (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t);
    // Behind the API's back as the database owner: the app role sees no user without a scope (RLS).
    await t.asOwner((db) => db.query(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1`, [admin.id]));
    user = await signUp(t);
  });
  afterAll(() => t.close());

  const orgRow = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ tier: string; limits: unknown }>('SELECT tier, limits FROM organizations WHERE id = $1', [id]),
      )
    ).rows[0]!;

  const apiKeyOf = async (owner: TestUser, orgId: string) => {
    const res = await t
      .http()
      .post(`/v1/orgs/${orgId}/api-keys`)
      .set(owner.auth)
      .send({ name: 'k', scopes: ['variables:read', 'audit-logs:read'] })
      .expect(201);
    return { Authorization: `Bearer ${res.body.key}` };
  };

  /** Every admin route refuses anonymous callers (401), members and API keys (403). */
  async function expectOnlyAdmins(method: 'get' | 'patch' | 'post', url: string, body?: object) {
    const world = await orgWithEveryRole(t);
    const key = await apiKeyOf(world.owner, world.org.id);
    const call = (headers: Record<string, string>) => {
      const req = t.http()[method](url).set(headers);
      return body ? req.send(body) : req;
    };
    expect((await call({})).status).toBe(401);
    const forbidden = await call(world.owner.auth);
    expect({ status: forbidden.status, code: forbidden.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect((await call(key)).status).toBe(403);
  }

  describe('GET /v1/admin/orgs', () => {
    it('lists every organization newest first, soft-deleted ones with deletedAt, searchable and paged', async () => {
      const tag = unique();
      const owner = await signUp(t);
      const first = await createOrg(t, owner, { name: `Alpha ${tag}`, slug: `alpha-${tag}` });
      const second = await createOrg(t, owner, { name: `Beta ${tag}`, slug: `beta-${tag}` });
      await t.asOwner((db) => db.query('UPDATE organizations SET "deletedAt" = now() WHERE id = $1', [first.id]));

      const res = await t.http().get(`/v1/admin/orgs?q=${tag}`).set(admin.auth).expect(200);
      expect(res.body.data.map((o: { id: string }) => o.id)).toEqual([second.id, first.id]);
      expect(res.body.data[1]).toMatchObject({ slug: `alpha-${tag}`, deletedAt: expect.any(String), tier: 'FREE' });
      expect(res.body.data[0]).toMatchObject({ deletedAt: null, effectiveLimits: { apiKeys: 2 } });

      const bySlug = await t.http().get(`/v1/admin/orgs?q=BETA-${tag}`).set(admin.auth).expect(200);
      expect(bySlug.body.data.map((o: { id: string }) => o.id)).toEqual([second.id]);

      const page = await t.http().get(`/v1/admin/orgs?q=${tag}&limit=1`).set(admin.auth).expect(200);
      expect(page.body.data.map((o: { id: string }) => o.id)).toEqual([second.id]);
      const next = await t
        .http()
        .get(`/v1/admin/orgs?q=${tag}&limit=1&cursor=${page.body.nextCursor}`)
        .set(admin.auth)
        .expect(200);
      expect(next.body).toEqual({ data: [expect.objectContaining({ id: first.id })], nextCursor: null });
    });

    it('400 on a bad query; only platform admins', async () => {
      await t.http().get('/v1/admin/orgs?limit=1000').set(admin.auth).expect(400);
      await t.http().get('/v1/admin/orgs?cursor=bad').set(admin.auth).expect(400);
      await expectOnlyAdmins('get', '/v1/admin/orgs');
    });
  });

  describe('PATCH /v1/admin/orgs/{orgId}', () => {
    it('sets the tier and limit overrides, which the plan limits then use; audited in that org', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const res = await t
        .http()
        .patch(`/v1/admin/orgs/${org.id}`)
        .set(admin.auth)
        .send({ tier: 'PRO', limits: { apiKeys: 1, members: null } })
        .expect(200);
      expect(res.body).toMatchObject({
        id: org.id,
        tier: 'PRO',
        limits: { apiKeys: 1, members: null },
        effectiveLimits: { apiKeys: 1, members: null, variables: 5000 },
      });
      const row = await orgRow(org.id);
      expect({ tier: row.tier, limits: row.limits }).toEqual({ tier: 'PRO', limits: { apiKeys: 1, members: null } });

      // The override is enforced: a second key is refused.
      await apiKeyOf(owner, org.id);
      const refused = await t
        .http()
        .post(`/v1/orgs/${org.id}/api-keys`)
        .set(owner.auth)
        .send({ name: 'two', scopes: ['variables:read'] })
        .expect(403);
      expect(refused.body.code).toBe('PLAN_LIMIT_REACHED');

      const audit = await t.asOwner((db) =>
        db.query(
          `SELECT action, "actorId", before, after FROM audit_logs WHERE "orgId" = $1 AND "resourceType" = 'organization'`,
          [org.id],
        ),
      );
      expect(audit.rows).toEqual([
        {
          action: 'organization.plan_updated',
          actorId: admin.id,
          before: { tier: 'FREE', limits: {} },
          after: { tier: 'PRO', limits: { apiKeys: 1, members: null } },
        },
      ]);
    });

    it('rejects bad tiers and limits (400), unknown ids (404), non-admins', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const url = `/v1/admin/orgs/${org.id}`;
      for (const body of [
        { tier: 'GOLD' },
        { limits: { apiKeys: -1 } },
        { limits: { apiKeys: 1.5 } },
        { limits: { widgets: 3 } },
        { limits: [1] },
        { limits: 'many' },
        { name: 'renamed' },
      ]) {
        const res = await t.http().patch(url).set(admin.auth).send(body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      await t.http().patch(`/v1/admin/orgs/${UNKNOWN_ID}`).set(admin.auth).send({ tier: 'PRO' }).expect(404);
      await t.http().patch('/v1/admin/orgs/not-a-uuid').set(admin.auth).send({ tier: 'PRO' }).expect(404);
      await expectOnlyAdmins('patch', url, { tier: 'ENTERPRISE' });
      expect((await orgRow(org.id)).tier).toBe('FREE');
    });
  });

  describe('GET /v1/admin/users', () => {
    it('lists users with suspendedAt and deletedAt, searchable by email or name, paged', async () => {
      const tag = unique();
      const a = await signUp(t, { email: `first-${tag}@example.test`, name: 'Ann' });
      const b = await signUp(t, { email: `second-${tag}@example.test`, name: `Bob ${tag}` });
      const res = await t.http().get(`/v1/admin/users?q=${tag}`).set(admin.auth).expect(200);
      expect(res.body.data.map((u: { id: string }) => u.id)).toEqual([b.id, a.id]);
      expect(res.body.data[0]).toMatchObject({
        email: b.email,
        suspendedAt: null,
        deletedAt: null,
        platformRole: 'USER',
      });
      expect(res.body.data[0].passwordHash).toBeUndefined();
      const byName = await t.http().get(`/v1/admin/users?q=bob ${tag}`).set(admin.auth).expect(200);
      expect(byName.body.data.map((u: { id: string }) => u.id)).toEqual([b.id]);
      const page = await t.http().get(`/v1/admin/users?q=${tag}&limit=1`).set(admin.auth).expect(200);
      const next = await t
        .http()
        .get(`/v1/admin/users?q=${tag}&limit=1&cursor=${page.body.nextCursor}`)
        .set(admin.auth)
        .expect(200);
      expect(next.body).toEqual({ data: [expect.objectContaining({ id: a.id })], nextCursor: null });
    });

    it('400 on a bad query; only platform admins', async () => {
      await t.http().get('/v1/admin/users?q=').set(admin.auth).expect(400);
      await expectOnlyAdmins('get', '/v1/admin/users');
    });
  });

  describe('POST /v1/admin/users/{userId}/suspend and /unsuspend', () => {
    it('suspends: sessions revoked, the access token refused at once, login and refresh fail; unsuspend restores login', async () => {
      const victim = await signUp(t);
      const org = await createOrg(t, victim);
      await t.http().get('/v1/orgs').set(victim.auth).expect(200);

      const res = await t.http().post(`/v1/admin/users/${victim.id}/suspend`).set(admin.auth).expect(200);
      expect(res.body).toMatchObject({ id: victim.id, suspendedAt: expect.any(String) });

      const refused = await t.http().get('/v1/orgs').set(victim.auth).expect(401);
      expect(refused.body.code).toBe('UNAUTHENTICATED');
      await t.http().post('/v1/auth/login').send({ email: victim.email, password: victim.password }).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: victim.refreshToken }).expect(401);
      const { rows: sessions } = await t.asOwner((db) =>
        db.query<{ revokedAt: Date | null }>('SELECT "revokedAt" FROM sessions WHERE "userId" = $1', [victim.id]),
      );
      expect(sessions.length).toBeGreaterThan(0);
      expect(sessions.every((s) => s.revokedAt !== null)).toBe(true);

      const audit = await t.asOwner((db) =>
        db.query(`SELECT action, "actorId" FROM audit_logs WHERE "orgId" = $1 AND "resourceId" = $2`, [
          org.id,
          victim.id,
        ]),
      );
      expect(audit.rows).toEqual([{ action: 'user.suspended', actorId: admin.id }]);

      const listed = await t
        .http()
        .get(`/v1/admin/users?q=${encodeURIComponent(victim.email)}`)
        .set(admin.auth);
      expect(listed.body.data[0].suspendedAt).toEqual(res.body.suspendedAt);

      const back = await t.http().post(`/v1/admin/users/${victim.id}/unsuspend`).set(admin.auth).expect(200);
      expect(back.body.suspendedAt).toBeNull();
      const login = await t
        .http()
        .post('/v1/auth/login')
        .send({ email: victim.email, password: victim.password })
        .expect(200);
      await t
        .http()
        .get('/v1/orgs')
        .set({ Authorization: `Bearer ${login.body.accessToken}` })
        .expect(200);
      // The old token stays dead: its session was revoked.
      await t.http().get('/v1/orgs').set(victim.auth).expect(401);
    });

    it('an admin cannot suspend themselves (400); unknown users 404; only platform admins', async () => {
      const self = await t.http().post(`/v1/admin/users/${admin.id}/suspend`).set(admin.auth).expect(400);
      expect(self.body.code).toBe('VALIDATION_FAILED');
      await t.http().get('/v1/admin/orgs').set(admin.auth).expect(200);
      await t.http().post(`/v1/admin/users/${UNKNOWN_ID}/suspend`).set(admin.auth).expect(404);
      await t.http().post(`/v1/admin/users/${UNKNOWN_ID}/unsuspend`).set(admin.auth).expect(404);
      await t.http().post('/v1/admin/users/nope/suspend').set(admin.auth).expect(404);
      await expectOnlyAdmins('post', `/v1/admin/users/${user.id}/suspend`);
      await expectOnlyAdmins('post', `/v1/admin/users/${user.id}/unsuspend`);
      const { rows } = await t.asOwner((db) => db.query('SELECT "suspendedAt" FROM users WHERE id = $1', [user.id]));
      expect(rows).toEqual([{ suspendedAt: null }]);
    });
  });
});
