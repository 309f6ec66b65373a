import { addMember, inOrg, memberOf, orgWithEveryRole, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('organizations (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}`;
  });
  afterAll(() => t.close());

  const auditOf = (orgId: string, action: string) =>
    t
      .asOwner((db) =>
        db.query<{ actorId: string; resourceId: string; before: unknown; after: unknown }>(
          'SELECT "actorId", "resourceId", before, after FROM audit_logs WHERE "orgId" = $1 AND action = $2',
          [orgId, action],
        ),
      )
      .then((res) => res.rows);
  const membership = (orgId: string, userId: string) =>
    t
      .asOwner((db) =>
        db.query<{ role: string; status: string }>(
          'SELECT role, status FROM memberships WHERE "orgId" = $1 AND "userId" = $2',
          [orgId, userId],
        ),
      )
      .then((res) => res.rows[0]);
  const createOrgVia = (user: TestUser, body: Record<string, unknown>) =>
    t.http().post('/v1/orgs').set(user.auth).send(body);

  describe('POST /v1/orgs', () => {
    it('creates an org with the caller as OWNER, effective limits, and one audit entry in it', async () => {
      const user = await signUp(t);
      const slug = `acme-${unique()}`;
      const res = await createOrgVia(user, { name: 'Acme Labs', slug }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        name: 'Acme Labs',
        slug,
        domain: null,
        tier: 'FREE',
        featureFlags: { agents: true, chat: true },
        limits: {
          members: 5,
          apiKeys: 2,
          variables: 100,
          prompts: 50,
          canvasModels: 10,
          canvases: 20,
          scenarios: 50,
          scenarioSuites: 25,
          providerKeys: 10,
          activeRuns: 2,
          agents: 5,
          activeExecutions: 5,
          hosts: 5,
          connections: 5,
          gitProviders: 2,
          webhooks: 2,
        },
        role: 'OWNER',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        deletedAt: null,
      });
      expect(await membership(res.body.id, user.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
      const audit = await auditOf(res.body.id, 'organization.created');
      expect(audit).toEqual([expect.objectContaining({ actorId: user.id, resourceId: res.body.id })]);
      await t.http().get(`/v1/orgs/${res.body.id}`).set(user.auth).expect(200);
    });

    it('makes the slug from the name, with a random suffix when taken', async () => {
      const user = await signUp(t);
      const id = unique();
      const name = `Ça  Marche ${id}!`;
      const first = await createOrgVia(user, { name }).expect(201);
      expect(first.body.slug).toBe(`ca-marche-${id}`);
      const second = await createOrgVia(user, { name }).expect(201);
      expect(second.body.slug).toMatch(new RegExp(`^ca-marche-${id}-[0-9a-f]{6}$`));
      const short = await createOrgVia(user, { name: '日本' }).expect(201);
      expect(short.body.slug).toMatch(/^org-[0-9a-f]{6}$/);
    });

    it('409 DUPLICATE for an explicit slug that is taken', async () => {
      const user = await signUp(t);
      const res = await createOrgVia(user, { name: 'Dup', slug: world.org.slug }).expect(409);
      expect(res.body.code).toBe('DUPLICATE');
    });

    it('400 for invalid fields', async () => {
      const user = await signUp(t);
      const res = await createOrgVia(user, { name: '', slug: 'Bad_Slug', extra: 1 }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'name', 'slug']);
      await createOrgVia(user, { name: 'x', slug: 'ab' }).expect(400);
      await createOrgVia(user, { name: 'x', slug: 'double--dash' }).expect(400);
      await createOrgVia(user, { slug: 'no-name' }).expect(400);
    });

    it('401 without credentials', async () => {
      const res = await t.http().post('/v1/orgs').send({ name: 'x' }).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('GET /v1/orgs', () => {
    it("lists only the caller's active, undeleted orgs, with their role, paged", async () => {
      const user = await signUp(t);
      const a = (await createOrgVia(user, { name: 'List A' }).expect(201)).body;
      const b = (await createOrgVia(user, { name: 'List B' }).expect(201)).body;
      const deleted = (await createOrgVia(user, { name: 'List Deleted' }).expect(201)).body;
      await t.http().delete(`/v1/orgs/${deleted.id}`).set(user.auth).expect(204);
      await addMember(t, world.org.id, user.id, 'EDITOR');
      await inOrg(t, world.otherOrg.id, (tx) =>
        tx.membership.create({ data: { orgId: world.otherOrg.id, userId: user.id, status: 'SUSPENDED' } }),
      );

      const first = await t.http().get('/v1/orgs?limit=2').set(user.auth).expect(200);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t.http().get(`/v1/orgs?limit=2&cursor=${first.body.nextCursor}`).set(user.auth).expect(200);
      expect(second.body.nextCursor).toBeNull();
      const all = [...first.body.data, ...second.body.data];
      expect(all.map((o: { id: string; role: string }) => [o.id, o.role]).sort()).toEqual(
        [
          [a.id, 'OWNER'],
          [b.id, 'OWNER'],
          [world.org.id, 'EDITOR'],
        ].sort(),
      );
    });

    it('400 for a bad limit, 401 without credentials', async () => {
      await t.http().get('/v1/orgs?limit=0').set(world.owner.auth).expect(400);
      await t.http().get('/v1/orgs').expect(401);
    });
  });

  describe('GET /v1/orgs/{orgId}', () => {
    it("returns the org with the caller's role", async () => {
      const res = await t.http().get(base).set(world.viewer.auth).expect(200);
      expect(res.body).toMatchObject({ id: world.org.id, slug: world.org.slug, role: 'VIEWER', tier: 'FREE' });
    });

    it('404 for non-members, inactive members and bad ids; 401 without credentials', async () => {
      await t.http().get(base).set(world.outsider.auth).expect(404);
      await t.http().get(`/v1/orgs/${world.otherOrg.id}`).set(world.owner.auth).expect(404);
      await t.http().get('/v1/orgs/not-a-uuid').set(world.owner.auth).expect(404);
      const inactive = await memberOf(t, world.org.id, 'ADMIN');
      await inOrg(t, world.org.id, (tx) =>
        tx.membership.update({
          where: { orgId_userId: { orgId: world.org.id, userId: inactive.id } },
          data: { status: 'INACTIVE' },
        }),
      );
      await t.http().get(base).set(inactive.auth).expect(404);
      await t.http().get(base).expect(401);
    });
  });

  describe('PATCH /v1/orgs/{orgId}', () => {
    it('updates name, slug and domain (ADMIN) with one audit entry', async () => {
      const w = await orgWithEveryRole(t);
      const slug = `renamed-${unique()}`;
      const domain = `${unique()}.example.com`;
      const res = await t
        .http()
        .patch(`/v1/orgs/${w.org.id}`)
        .set(w.admin.auth)
        .send({ name: 'Renamed', slug, domain: domain.toUpperCase() })
        .expect(200);
      expect(res.body).toMatchObject({ name: 'Renamed', slug, domain, role: 'ADMIN' });
      const audit = await auditOf(w.org.id, 'organization.updated');
      expect(audit).toEqual([
        expect.objectContaining({
          actorId: w.admin.id,
          before: expect.objectContaining({ name: w.org.name }),
          after: expect.objectContaining({ name: 'Renamed', domain }),
        }),
      ]);
      const cleared = await t.http().patch(`/v1/orgs/${w.org.id}`).set(w.admin.auth).send({ domain: null }).expect(200);
      expect(cleared.body.domain).toBeNull();
    });

    it('400 for invalid or empty bodies', async () => {
      const patch = (body: unknown) =>
        t
          .http()
          .patch(base)
          .set(world.admin.auth)
          .send(body as object);
      expect((await patch({ slug: 'No Spaces' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      await patch({ name: null }).expect(400);
      await patch({ domain: 'not a domain' }).expect(400);
      await patch({ tier: 'ENTERPRISE' }).expect(400);
      await patch({}).expect(400);
    });

    it('409 for a slug or domain another org has', async () => {
      const domain = `${unique()}.example.org`;
      await t.http().patch(`/v1/orgs/${world.otherOrg.id}`).set(world.outsider.auth).send({ domain }).expect(200);
      const slugRes = await t.http().patch(base).set(world.admin.auth).send({ slug: world.otherOrg.slug }).expect(409);
      expect(slugRes.body.code).toBe('DUPLICATE');
      await t.http().patch(base).set(world.admin.auth).send({ domain }).expect(409);
    });

    it('403 for an EDITOR, 404 for outsiders, 401 without credentials', async () => {
      expect((await t.http().patch(base).set(world.editor.auth).send({ name: 'x' }).expect(403)).body.code).toBe(
        'FORBIDDEN',
      );
      await t.http().patch(base).set(world.outsider.auth).send({ name: 'x' }).expect(404);
      await t.http().patch(base).send({ name: 'x' }).expect(401);
    });
  });

  describe('DELETE and restore', () => {
    it('soft-deletes (OWNER): members then get 404; the owner restores it', async () => {
      const w = await orgWithEveryRole(t);
      const orgUrl = `/v1/orgs/${w.org.id}`;
      await t.http().delete(orgUrl).set(w.admin.auth).expect(403);
      await t.http().delete(orgUrl).expect(401);
      await t.http().delete(orgUrl).set(w.outsider.auth).expect(404);
      await t.http().delete(orgUrl).set(w.owner.auth).expect(204);

      const row = await t.asOwner((db) =>
        db.query<{ deletedAt: Date | null }>('SELECT "deletedAt" FROM organizations WHERE id = $1', [w.org.id]),
      );
      expect(row.rows[0]!.deletedAt).toBeInstanceOf(Date);
      await t.http().get(orgUrl).set(w.owner.auth).expect(404);
      await t.http().get(`${orgUrl}/members`).set(w.viewer.auth).expect(404);
      await t.http().delete(orgUrl).set(w.owner.auth).expect(404);
      expect(await auditOf(w.org.id, 'organization.deleted')).toHaveLength(1);

      await t.http().post(`${orgUrl}/restore`).set(w.admin.auth).expect(403);
      await t.http().post(`${orgUrl}/restore`).set(w.outsider.auth).expect(404);
      await t.http().post(`${orgUrl}/restore`).expect(401);
      const restored = await t.http().post(`${orgUrl}/restore`).set(w.owner.auth).expect(200);
      expect(restored.body).toMatchObject({ id: w.org.id, deletedAt: null, role: 'OWNER' });
      expect(await auditOf(w.org.id, 'organization.restored')).toHaveLength(1);
      await t.http().get(orgUrl).set(w.viewer.auth).expect(200);
    });

    it('400 when restoring an org that is not deleted', async () => {
      const res = await t.http().post(`${base}/restore`).set(world.owner.auth).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('POST /v1/orgs/{orgId}/transfer-ownership', () => {
    it('makes the target OWNER and the caller ADMIN, with one audit entry', async () => {
      const w = await orgWithEveryRole(t);
      const res = await t
        .http()
        .post(`/v1/orgs/${w.org.id}/transfer-ownership`)
        .set(w.owner.auth)
        .send({ userId: w.editor.id })
        .expect(200);
      expect(res.body).toMatchObject({ id: w.org.id, role: 'ADMIN' });
      expect(await membership(w.org.id, w.editor.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
      expect(await membership(w.org.id, w.owner.id)).toEqual({ role: 'ADMIN', status: 'ACTIVE' });
      const audit = await auditOf(w.org.id, 'organization.ownership_transferred');
      expect(audit).toEqual([expect.objectContaining({ actorId: w.owner.id })]);
      // The former owner is now an ADMIN: transferring again is not theirs to do.
      await t
        .http()
        .post(`/v1/orgs/${w.org.id}/transfer-ownership`)
        .set(w.owner.auth)
        .send({ userId: w.viewer.id })
        .expect(403);
    });

    it('404 unless the target is an active member of this org', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/transfer-ownership`;
      await t.http().post(url).set(w.owner.auth).send({ userId: w.outsider.id }).expect(404);
      await inOrg(t, w.org.id, (tx) =>
        tx.membership.update({
          where: { orgId_userId: { orgId: w.org.id, userId: w.viewer.id } },
          data: { status: 'SUSPENDED' },
        }),
      );
      await t.http().post(url).set(w.owner.auth).send({ userId: w.viewer.id }).expect(404);
      expect(await membership(w.org.id, w.owner.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
    });

    it('400 for a bad body or the caller themself; 403 for an ADMIN; 401; 404 for outsiders', async () => {
      const url = `${base}/transfer-ownership`;
      await t.http().post(url).set(world.owner.auth).send({ userId: 'nope' }).expect(400);
      await t.http().post(url).set(world.owner.auth).send({}).expect(400);
      await t.http().post(url).set(world.owner.auth).send({ userId: world.owner.id }).expect(400);
      await t.http().post(url).set(world.admin.auth).send({ userId: world.admin.id }).expect(403);
      await t.http().post(url).send({ userId: world.admin.id }).expect(401);
      await t.http().post(url).set(world.outsider.auth).send({ userId: world.outsider.id }).expect(404);
    });
  });

  describe('GET /v1/orgs/{orgId}/limits', () => {
    it('reports limits and usage (members count pending invitations)', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}`;
      await t.http().post(`${url}/variables`).set(w.editor.auth).send({ key: 'k', value: 'v' }).expect(201);
      await t
        .http()
        .post(`${url}/invitations`)
        .set(w.admin.auth)
        .send({ email: `limits-${unique()}@example.test`, role: 'VIEWER' })
        .expect(201);
      const res = await t.http().get(`${url}/limits`).set(w.viewer.auth).expect(200);
      expect(res.body).toEqual({
        tier: 'FREE',
        limits: {
          members: { limit: 5, used: 5 },
          apiKeys: { limit: 2, used: 0 },
          variables: { limit: 100, used: 1 },
          prompts: { limit: 50, used: 0 },
          canvasModels: { limit: 10, used: 0 },
          canvases: { limit: 20, used: 0 },
          scenarios: { limit: 50, used: 0 },
          scenarioSuites: { limit: 25, used: 0 },
          providerKeys: { limit: 10, used: 0 },
          activeRuns: { limit: 2, used: 0 },
          agents: { limit: 5, used: 0 },
          activeExecutions: { limit: 5, used: 0 },
          hosts: { limit: 5, used: 0 },
          connections: { limit: 5, used: 0 },
          gitProviders: { limit: 2, used: 0 },
          webhooks: { limit: 2, used: 0 },
        },
      });
    });

    it('applies per-org overrides and shows unlimited as null', async () => {
      const w = await orgWithEveryRole(t);
      await t.asOwner((db) =>
        db.query(`UPDATE organizations SET tier = 'PRO', limits = '{"members": 7}' WHERE id = $1`, [w.org.id]),
      );
      const res = await t.http().get(`/v1/orgs/${w.org.id}/limits`).set(w.viewer.auth).expect(200);
      expect(res.body.tier).toBe('PRO');
      expect(res.body.limits.members).toEqual({ limit: 7, used: 4 });
      expect(res.body.limits.variables.limit).toBe(5000);
      await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'ENTERPRISE' WHERE id = $1`, [w.org.id]));
      const enterprise = await t.http().get(`/v1/orgs/${w.org.id}/limits`).set(w.viewer.auth).expect(200);
      expect(enterprise.body.limits.apiKeys).toEqual({ limit: null, used: 0 });
    });

    it('401 and 404 for strangers', async () => {
      await t.http().get(`${base}/limits`).expect(401);
      await t.http().get(`${base}/limits`).set(world.outsider.auth).expect(404);
    });
  });

  describe('feature flags', () => {
    it('replaces and reads the flags (ADMIN) with one audit entry', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/feature-flags`;
      expect((await t.http().get(url).set(w.admin.auth).expect(200)).body).toEqual({ flags: {} });
      await t
        .http()
        .put(url)
        .set(w.admin.auth)
        .send({ flags: { old: true } })
        .expect(200);
      const flags = { newEditor: true, 'beta.export': false, dark_mode: true };
      const res = await t.http().put(url).set(w.admin.auth).send({ flags }).expect(200);
      expect(res.body).toEqual({ flags });
      expect((await t.http().get(url).set(w.owner.auth).expect(200)).body).toEqual({ flags });
      // The organization shows its effective flags: the declared ones at their tier defaults, then its own.
      expect((await t.http().get(`/v1/orgs/${w.org.id}`).set(w.viewer.auth).expect(200)).body.featureFlags).toEqual({
        agents: true,
        chat: true,
        ...flags,
      });
      const audit = await auditOf(w.org.id, 'organization.feature_flags_updated');
      expect(audit).toHaveLength(2);
      expect(audit.find((a) => 'newEditor' in (a.after as { featureFlags: object }).featureFlags)).toEqual(
        expect.objectContaining({ before: { featureFlags: { old: true } }, after: { featureFlags: flags } }),
      );
    });

    it('400 for bad names, non-boolean values, too many flags or a missing object', async () => {
      const put = (body: unknown) =>
        t
          .http()
          .put(`${base}/feature-flags`)
          .set(world.admin.auth)
          .send(body as object);
      expect((await put({ flags: { '1bad': true } }).expect(400)).body.errors[0].field).toBe('flags');
      await put({ flags: { good: 'yes' } }).expect(400);
      await put({ flags: ['a'] }).expect(400);
      await put({}).expect(400);
      const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, true]));
      await put({ flags: many }).expect(400);
      const hundred = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i % 2 === 0]));
      await put({ flags: hundred }).expect(200);
    });

    it('403 for an EDITOR, 404 for outsiders, 401 without credentials', async () => {
      await t.http().get(`${base}/feature-flags`).set(world.editor.auth).expect(403);
      await t.http().put(`${base}/feature-flags`).set(world.editor.auth).send({ flags: {} }).expect(403);
      await t.http().get(`${base}/feature-flags`).set(world.outsider.auth).expect(404);
      await t.http().put(`${base}/feature-flags`).set(world.outsider.auth).send({ flags: {} }).expect(404);
      await t.http().get(`${base}/feature-flags`).expect(401);
      await t.http().put(`${base}/feature-flags`).send({ flags: {} }).expect(401);
    });
  });
});
