import { addMember, inOrg, memberOf, orgWithEveryRole, signUp } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('members (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const membership = (orgId: string, userId: string) =>
    t
      .asOwner((db) =>
        db.query<{ role: string; status: string }>(
          'SELECT role, status FROM memberships WHERE "orgId" = $1 AND "userId" = $2',
          [orgId, userId],
        ),
      )
      .then((res) => res.rows[0]);
  const auditOf = (orgId: string, action: string) =>
    t
      .asOwner((db) =>
        db.query<{ actorId: string; before: unknown; after: unknown }>(
          'SELECT "actorId", before, after FROM audit_logs WHERE "orgId" = $1 AND action = $2',
          [orgId, action],
        ),
      )
      .then((res) => res.rows);
  const setStatus = (orgId: string, userId: string, status: 'ACTIVE' | 'SUSPENDED' | 'INACTIVE') =>
    inOrg(t, orgId, (tx) => tx.membership.update({ where: { orgId_userId: { orgId, userId } }, data: { status } }));

  describe('GET /v1/orgs/{orgId}/members', () => {
    it('lists members with user details, filters by role and status, and pages', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/members`;
      const all = await t.http().get(url).set(w.viewer.auth).expect(200);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.data).toHaveLength(4);
      expect(all.body.data).toContainEqual({
        userId: w.admin.id,
        email: w.admin.email,
        name: expect.any(String),
        role: 'ADMIN',
        status: 'ACTIVE',
        createdAt: expect.any(String),
      });
      expect(all.body.data.map((m: { userId: string }) => m.userId)).not.toContain(w.outsider.id);

      const admins = await t.http().get(`${url}?role=ADMIN`).set(w.viewer.auth).expect(200);
      expect(admins.body.data.map((m: { userId: string }) => m.userId)).toEqual([w.admin.id]);
      await setStatus(w.org.id, w.editor.id, 'SUSPENDED');
      const suspended = await t.http().get(`${url}?status=SUSPENDED`).set(w.viewer.auth).expect(200);
      expect(suspended.body.data.map((m: { userId: string }) => m.userId)).toEqual([w.editor.id]);

      const first = await t.http().get(`${url}?limit=3`).set(w.viewer.auth).expect(200);
      const second = await t
        .http()
        .get(`${url}?limit=3&cursor=${first.body.nextCursor}`)
        .set(w.viewer.auth)
        .expect(200);
      expect(second.body.nextCursor).toBeNull();
      expect([...first.body.data, ...second.body.data].map((m: { userId: string }) => m.userId).sort()).toEqual(
        all.body.data.map((m: { userId: string }) => m.userId).sort(),
      );
    });

    it('400 for bad filters, 401 without credentials, 404 for outsiders', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/members`;
      expect((await t.http().get(`${url}?role=BOSS`).set(w.viewer.auth).expect(400)).body.code).toBe(
        'VALIDATION_FAILED',
      );
      await t.http().get(`${url}?status=GONE`).set(w.viewer.auth).expect(400);
      await t.http().get(url).expect(401);
      await t.http().get(url).set(w.outsider.auth).expect(404);
    });
  });

  describe('PATCH /v1/orgs/{orgId}/members/{userId}', () => {
    it('changes a role (ADMIN) with one audit entry holding before and after', async () => {
      const w = await orgWithEveryRole(t);
      const res = await t
        .http()
        .patch(`/v1/orgs/${w.org.id}/members/${w.editor.id}`)
        .set(w.admin.auth)
        .send({ role: 'VIEWER' })
        .expect(200);
      expect(res.body).toMatchObject({ userId: w.editor.id, email: w.editor.email, role: 'VIEWER', status: 'ACTIVE' });
      expect(await membership(w.org.id, w.editor.id)).toEqual({ role: 'VIEWER', status: 'ACTIVE' });
      expect(await auditOf(w.org.id, 'membership.updated')).toEqual([
        expect.objectContaining({
          actorId: w.admin.id,
          before: expect.objectContaining({ role: 'EDITOR' }),
          after: expect.objectContaining({ role: 'VIEWER' }),
        }),
      ]);
    });

    it('a suspended member loses access to the org (404) until reactivated', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/members/${w.viewer.id}`;
      await t.http().patch(url).set(w.admin.auth).send({ status: 'SUSPENDED' }).expect(200);
      await t.http().get(`/v1/orgs/${w.org.id}`).set(w.viewer.auth).expect(404);
      await t.http().patch(url).set(w.admin.auth).send({ status: 'ACTIVE' }).expect(200);
      await t.http().get(`/v1/orgs/${w.org.id}`).set(w.viewer.auth).expect(200);
    });

    it('only an OWNER grants OWNER or changes an owner; an ADMIN manages other admins', async () => {
      const w = await orgWithEveryRole(t);
      const url = (userId: string) => `/v1/orgs/${w.org.id}/members/${userId}`;
      const otherAdmin = await memberOf(t, w.org.id, 'ADMIN');
      await t.http().patch(url(otherAdmin.id)).set(w.admin.auth).send({ role: 'EDITOR' }).expect(200);
      const grant = await t.http().patch(url(w.editor.id)).set(w.admin.auth).send({ role: 'OWNER' }).expect(403);
      expect(grant.body.code).toBe('FORBIDDEN');
      await t.http().patch(url(w.admin.id)).set(w.admin.auth).send({ role: 'OWNER' }).expect(403);
      await t.http().patch(url(w.owner.id)).set(w.admin.auth).send({ role: 'VIEWER' }).expect(403);
      await t.http().patch(url(w.owner.id)).set(w.admin.auth).send({ status: 'SUSPENDED' }).expect(403);
      expect(await membership(w.org.id, w.owner.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });

      await t.http().patch(url(w.admin.id)).set(w.owner.auth).send({ role: 'OWNER' }).expect(200);
      expect(await membership(w.org.id, w.admin.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
    });

    it('always keeps an active OWNER', async () => {
      const w = await orgWithEveryRole(t);
      const url = (userId: string) => `/v1/orgs/${w.org.id}/members/${userId}`;
      for (const body of [{ role: 'ADMIN' }, { status: 'SUSPENDED' }, { status: 'INACTIVE' }]) {
        const res = await t.http().patch(url(w.owner.id)).set(w.owner.auth).send(body).expect(403);
        expect(res.body.detail).toMatch(/at least one active owner/);
      }
      expect(await membership(w.org.id, w.owner.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
      expect(await auditOf(w.org.id, 'membership.updated')).toEqual([]);

      // A suspended second owner does not count; an active one does.
      await t.http().patch(url(w.admin.id)).set(w.owner.auth).send({ role: 'OWNER' }).expect(200);
      await t.http().patch(url(w.admin.id)).set(w.owner.auth).send({ status: 'SUSPENDED' }).expect(200);
      await t.http().patch(url(w.owner.id)).set(w.owner.auth).send({ role: 'ADMIN' }).expect(403);
      await t.http().patch(url(w.admin.id)).set(w.owner.auth).send({ status: 'ACTIVE' }).expect(200);
      await t.http().patch(url(w.owner.id)).set(w.owner.auth).send({ role: 'ADMIN' }).expect(200);
      expect(await membership(w.org.id, w.owner.id)).toEqual({ role: 'ADMIN', status: 'ACTIVE' });
    });

    it('400 for bad or empty bodies, 401, 403 for an EDITOR, 404 for non-members and other orgs', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/members/${w.viewer.id}`;
      await t.http().patch(url).set(w.admin.auth).send({ role: 'BOSS' }).expect(400);
      await t.http().patch(url).set(w.admin.auth).send({ status: 'GONE', extra: 1 }).expect(400);
      await t.http().patch(url).set(w.admin.auth).send({}).expect(400);
      await t.http().patch(url).send({ role: 'EDITOR' }).expect(401);
      await t.http().patch(url).set(w.editor.auth).send({ role: 'EDITOR' }).expect(403);
      await t.http().patch(url).set(w.outsider.auth).send({ role: 'EDITOR' }).expect(404);
      const notMember = await t
        .http()
        .patch(`/v1/orgs/${w.org.id}/members/${w.outsider.id}`)
        .set(w.admin.auth)
        .send({ role: 'EDITOR' })
        .expect(404);
      expect(notMember.body.detail).toBe('Member not found');
      await t.http().patch(`/v1/orgs/${w.org.id}/members/not-a-uuid`).set(w.admin.auth).send({}).expect(404);
      // The other org's owner through this org's URL and vice versa.
      await t
        .http()
        .patch(`/v1/orgs/${w.otherOrg.id}/members/${w.viewer.id}`)
        .set(w.outsider.auth)
        .send({ role: 'EDITOR' })
        .expect(404);
      expect(await membership(w.org.id, w.viewer.id)).toEqual({ role: 'VIEWER', status: 'ACTIVE' });
    });
  });

  describe('DELETE /v1/orgs/{orgId}/members/{userId}', () => {
    it('removes a member (ADMIN) with one audit entry; they lose access', async () => {
      const w = await orgWithEveryRole(t);
      await t.http().delete(`/v1/orgs/${w.org.id}/members/${w.viewer.id}`).set(w.admin.auth).expect(204);
      expect(await membership(w.org.id, w.viewer.id)).toBeUndefined();
      expect(await auditOf(w.org.id, 'membership.removed')).toEqual([
        expect.objectContaining({ actorId: w.admin.id, before: expect.objectContaining({ userId: w.viewer.id }) }),
      ]);
      await t.http().get(`/v1/orgs/${w.org.id}`).set(w.viewer.auth).expect(404);
      await t.http().delete(`/v1/orgs/${w.org.id}/members/${w.viewer.id}`).set(w.admin.auth).expect(404);
    });

    it('owners are removed by owners only, and never the last active one', async () => {
      const w = await orgWithEveryRole(t);
      const url = (userId: string) => `/v1/orgs/${w.org.id}/members/${userId}`;
      await t.http().delete(url(w.owner.id)).set(w.admin.auth).expect(403);
      const last = await t.http().delete(url(w.owner.id)).set(w.owner.auth).expect(403);
      expect(last.body.detail).toMatch(/at least one active owner/);
      const second = await memberOf(t, w.org.id, 'OWNER');
      await t.http().delete(url(second.id)).set(w.admin.auth).expect(403);
      await t.http().delete(url(second.id)).set(w.owner.auth).expect(204);
      expect(await membership(w.org.id, w.owner.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
    });

    it('401, 403 for an EDITOR, 404 for outsiders and non-members', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/members/${w.viewer.id}`;
      await t.http().delete(url).expect(401);
      await t.http().delete(url).set(w.editor.auth).expect(403);
      await t.http().delete(url).set(w.outsider.auth).expect(404);
      await t.http().delete(`/v1/orgs/${w.org.id}/members/${w.outsider.id}`).set(w.admin.auth).expect(404);
      expect(await membership(w.org.id, w.viewer.id)).toEqual({ role: 'VIEWER', status: 'ACTIVE' });
      expect(await membership(w.otherOrg.id, w.outsider.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
    });
  });

  describe('POST /v1/orgs/{orgId}/leave', () => {
    it('lets a member leave with one audit entry', async () => {
      const w = await orgWithEveryRole(t);
      await t.http().post(`/v1/orgs/${w.org.id}/leave`).set(w.viewer.auth).expect(204);
      expect(await membership(w.org.id, w.viewer.id)).toBeUndefined();
      expect(await auditOf(w.org.id, 'membership.left')).toEqual([expect.objectContaining({ actorId: w.viewer.id })]);
      await t.http().post(`/v1/orgs/${w.org.id}/leave`).set(w.viewer.auth).expect(404);
      const orgs = await t.http().get('/v1/orgs').set(w.viewer.auth).expect(200);
      expect(orgs.body.data).toEqual([]);
    });

    it('the last active owner must transfer ownership first', async () => {
      const w = await orgWithEveryRole(t);
      const res = await t.http().post(`/v1/orgs/${w.org.id}/leave`).set(w.owner.auth).expect(403);
      expect(res.body).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringMatching(/transfer ownership first/) });
      const second = await signUp(t);
      await addMember(t, w.org.id, second.id, 'OWNER');
      await t.http().post(`/v1/orgs/${w.org.id}/leave`).set(w.owner.auth).expect(204);
      expect(await membership(w.org.id, second.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
    });

    it('401 without credentials, 404 for outsiders', async () => {
      const w = await orgWithEveryRole(t);
      await t.http().post(`/v1/orgs/${w.org.id}/leave`).expect(401);
      await t.http().post(`/v1/orgs/${w.org.id}/leave`).set(w.outsider.auth).expect(404);
      expect(await membership(w.otherOrg.id, w.outsider.id)).toEqual({ role: 'OWNER', status: 'ACTIVE' });
    });
  });
});
