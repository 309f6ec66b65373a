import { uuidv7 } from '../../src/database/prisma.service';
import { addMember, createOrg, memberOf, signUp, unique, type TestUser } from '../factories';
import { statusOnceSettled } from '../support/pair';
import { createTestApp, type TestApp } from '../support/test-app';

const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

/**
 * Account deletion (seeds 002 and 004): DELETE /v1/me and DELETE /v1/admin/users/{userId}. What
 * goes, what stays anonymised, who may, and what the hash-chained audit log keeps.
 */
describe('user deletion (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t);
    await t.asOwner((db) => db.query(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1`, [admin.id]));
  });
  afterAll(() => t.close());

  const sql = async <R extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> =>
    (await t.asOwner((db) => db.query<R>(text, params))).rows;
  const count = async (text: string, params: unknown[]) => (await sql<{ n: number }>(text, params))[0]!.n;
  const apiKeyOf = async (owner: TestUser, orgId: string) => {
    const res = await t
      .http()
      .post(`/v1/orgs/${orgId}/api-keys`)
      .set(owner.auth)
      .send({ name: 'k', scopes: ['variables:write'] })
      .expect(201);
    return { Authorization: `Bearer ${res.body.key}` };
  };
  const deleteMe = (user: TestUser, body: object = { password: user.password }) =>
    t.http().delete('/v1/me').set(user.auth).send(body);

  /** A user with something of everything the deletion touches, in two organizations. */
  async function userWithData() {
    const owner = await signUp(t);
    const orgA = await createOrg(t, owner);
    const orgB = await createOrg(t, owner);
    const user = await memberOf(t, orgA.id, 'EDITOR');
    await addMember(t, orgB.id, user.id, 'VIEWER');
    const colleague = await memberOf(t, orgA.id, 'EDITOR');
    await t.http().put('/v1/me/active-org').set(user.auth).send({ orgId: orgA.id }).expect(200);
    // An audited change made by the user, and an invitation to their address in a third org.
    await t
      .http()
      .post(`/v1/orgs/${orgA.id}/variables`)
      .set(user.auth)
      .send({ key: `k_${unique()}`, value: 'v' })
      .expect(201);
    const outsider = await signUp(t);
    const orgC = await createOrg(t, outsider);
    const invitation = await t
      .http()
      .post(`/v1/orgs/${orgC.id}/invitations`)
      .set(outsider.auth)
      .send({ email: user.email, role: 'VIEWER' })
      .expect(201);
    // A linked identity provider (no route makes one yet).
    await sql(
      `INSERT INTO accounts (id, "userId", type, provider, "providerAccountId", "updatedAt")
       VALUES ($1, $2, 'oauth', 'github', $3, now())`,
      [uuidv7(), user.id, unique()],
    );
    // Conversations: the user's own, private and shared, with messages; a colleague's.
    const conversation = async (owner: TestUser, shared: boolean) => {
      const id = uuidv7();
      await sql(
        `INSERT INTO conversations (id, "orgId", "userId", "sharedWithOrg", "updatedAt") VALUES ($1, $2, $3, $4, now())`,
        [id, orgA.id, owner.id, shared],
      );
      await sql(
        `INSERT INTO messages (id, "orgId", "conversationId", "userId", role, content)
         VALUES ($1, $2, $3, $4, 'USER', 'hello'), ($5, $2, $3, NULL, 'ASSISTANT', 'hi')`,
        [uuidv7(), orgA.id, id, owner.id, uuidv7()],
      );
      return id;
    };
    const own = [await conversation(user, false), await conversation(user, true)];
    const colleagues = await conversation(colleague, false);
    // Canvases: the user's private one (with a version) and org-visible one; a colleague's private one.
    const canvas = async (creator: TestUser, visibility: 'PRIVATE' | 'ORG') => {
      const id = uuidv7();
      await sql(
        `INSERT INTO canvases (id, "orgId", "createdByUserId", name, visibility, "updatedAt")
         VALUES ($1, $2, $3, $4, $5, now())`,
        [id, orgA.id, creator.id, `Canvas ${unique()}`, visibility],
      );
      await sql(
        `INSERT INTO canvas_versions (id, "orgId", "canvasId", version, data, "createdByUserId")
         VALUES ($1, $2, $3, 1, '{}', $4)`,
        [uuidv7(), orgA.id, id, creator.id],
      );
      return id;
    };
    const canvases = {
      private: await canvas(user, 'PRIVATE'),
      org: await canvas(user, 'ORG'),
      colleagues: await canvas(colleague, 'PRIVATE'),
    };
    return {
      user,
      owner,
      colleague,
      outsider,
      orgA,
      orgB,
      orgC,
      invitationId: invitation.body.id,
      own,
      colleagues,
      canvases,
    };
  }

  describe('DELETE /v1/me', () => {
    it('ends every session, removes private data, anonymises what the orgs keep, and the email registers again', async () => {
      const w = await userWithData();
      const { user } = w;
      const secondSession = await t.http().post('/v1/auth/login').send({ email: user.email, password: user.password });
      expect(secondSession.status).toBe(200);

      await deleteMe(user).expect(204);

      // Every token is dead at once (on other instances once they hear of it), and the password no longer signs in.
      expect(await statusOnceSettled(() => t.http().get('/v1/me').set(user.auth))).toBe(401);
      expect(
        await statusOnceSettled(() =>
          t
            .http()
            .get('/v1/me')
            .set({ Authorization: `Bearer ${secondSession.body.accessToken}` }),
        ),
      ).toBe(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      await t.http().post('/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);

      // Removed: everything that was the user's own.
      for (const table of [
        'sessions',
        'verification_tokens',
        'accounts',
        'user_profiles',
        'memberships',
        'conversations',
      ]) {
        expect({
          table,
          n: await count(`SELECT count(*)::int AS n FROM ${table} WHERE "userId" = $1`, [user.id]),
        }).toEqual({
          table,
          n: 0,
        });
      }
      expect(await count('SELECT count(*)::int AS n FROM messages WHERE "conversationId" = ANY($1)', [w.own])).toBe(0);
      expect(await count('SELECT count(*)::int AS n FROM canvases WHERE id = $1', [w.canvases.private])).toBe(0);
      expect(
        await count('SELECT count(*)::int AS n FROM canvas_versions WHERE "canvasId" = $1', [w.canvases.private]),
      ).toBe(0);
      // Kept: the colleague's rows, and the org-visible canvas, without its creator.
      expect(await count('SELECT count(*)::int AS n FROM messages WHERE "conversationId" = $1', [w.colleagues])).toBe(
        2,
      );
      expect(await count('SELECT count(*)::int AS n FROM canvases WHERE id = $1', [w.canvases.colleagues])).toBe(1);
      expect(await sql('SELECT "createdByUserId" FROM canvases WHERE id = $1', [w.canvases.org])).toEqual([
        { createdByUserId: null },
      ]);
      const members = await t.http().get(`/v1/orgs/${w.orgA.id}/members`).set(w.colleague.auth).expect(200);
      expect(members.body.data.map((m: { userId: string }) => m.userId)).not.toContain(user.id);

      // The user row stays, anonymised; the invitation to the old address lost it and was revoked.
      expect(
        await sql('SELECT email, name, "passwordHash", image, "deletedAt" FROM users WHERE id = $1', [user.id]),
      ).toEqual([
        {
          email: `deleted+${user.id}@invalid`,
          name: 'Deleted user',
          passwordHash: null,
          image: null,
          deletedAt: expect.any(Date),
        },
      ]);
      expect(
        await count('SELECT count(*)::int AS n FROM invitations WHERE lower(email) = lower($1)', [user.email]),
      ).toBe(0);
      expect(await sql('SELECT email, status FROM invitations WHERE id = $1', [w.invitationId])).toEqual([
        { email: `deleted+${user.id}@invalid`, status: 'REVOKED' },
      ]);

      // The same email registers again, as a new user with nothing of the old one.
      const again = await signUp(t, { email: user.email });
      expect(again.id).not.toBe(user.id);
      const orgs = await t.http().get('/v1/orgs').set(again.auth).expect(200);
      expect(orgs.body.data).toEqual([]);
      const invitations = await t.http().get('/v1/me/invitations').set(again.auth).expect(200);
      expect(invitations.body.data).toEqual([]);
    });

    it("audit entries keep the user's id, never the email, and the chains still verify", async () => {
      const w = await userWithData();
      await deleteMe(w.user).expect(204);

      for (const [org, by] of [
        [w.orgA, w.owner],
        [w.orgB, w.owner],
        [w.orgC, w.outsider],
      ] as const) {
        const exported = await t.http().get(`/v1/orgs/${org.id}/audit-logs/export`).set(by.auth).expect(200);
        expect(exported.text.length).toBeGreaterThan(0);
        expect(exported.text.toLowerCase()).not.toContain(w.user.email.toLowerCase());
        const verify = await t.http().get(`/v1/orgs/${org.id}/audit-logs/verify`).set(by.auth).expect(200);
        expect(verify.body).toMatchObject({ valid: true });
      }
      const byUser = await t
        .http()
        .get(`/v1/orgs/${w.orgA.id}/audit-logs?actorId=${w.user.id}`)
        .set(w.owner.auth)
        .expect(200);
      expect(byUser.body.data.map((e: { action: string }) => e.action)).toEqual(['user.deleted', 'variable.created']);
      // One user.deleted entry in each org the user belonged to, saying what their place was.
      for (const [org, role] of [
        [w.orgA, 'EDITOR'],
        [w.orgB, 'VIEWER'],
      ] as const) {
        const res = await t
          .http()
          .get(`/v1/orgs/${org.id}/audit-logs?action=user.deleted`)
          .set(w.owner.auth)
          .expect(200);
        expect(res.body.data).toEqual([
          expect.objectContaining({
            actorType: 'USER',
            actorId: w.user.id,
            resourceType: 'user',
            resourceId: w.user.id,
            before: { role, status: 'ACTIVE' },
            after: null,
          }),
        ]);
      }
    });

    it('400 without the password or with unknown fields; 401 anonymous; 403 for an API key', async () => {
      const user = await signUp(t);
      const res = await deleteMe(user, {}).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      await deleteMe(user, { password: user.password, force: true }).expect(400);
      await t.http().delete('/v1/me').send({ password: 'x' }).expect(401);
      const key = await apiKeyOf(user, (await createOrg(t, user)).id);
      const byKey = await t.http().delete('/v1/me').set(key).send({ password: 'x' }).expect(403);
      expect(byKey.body.code).toBe('FORBIDDEN');
      await t.http().get('/v1/me').set(user.auth).expect(200);
    });

    it('403 for a wrong password (counted like failed sign-ins) and for an account without a password', async () => {
      const user = await signUp(t);
      const wrong = await deleteMe(user, { password: 'not-my-password' }).expect(403);
      expect(wrong.body).toMatchObject({ code: 'FORBIDDEN', detail: 'The password is incorrect' });
      await t.http().get('/v1/me').set(user.auth).expect(200);

      const passwordless = await signUp(t);
      await sql('UPDATE users SET "passwordHash" = NULL WHERE id = $1', [passwordless.id]);
      const res = await deleteMe(passwordless, { password: passwordless.password }).expect(403);
      expect(res.body.detail).toMatch(/no password/);
      await t.http().get('/v1/me').set(passwordless.auth).expect(200);
    });

    it('409 LAST_OWNER naming the live orgs the user alone owns; allowed once another member is OWNER', async () => {
      const user = await signUp(t);
      const tag = unique();
      const alone = await createOrg(t, user, { name: `Alone ${tag}` });
      const deleted = await createOrg(t, user, { name: `Gone ${tag}` });
      await sql('UPDATE organizations SET "deletedAt" = now() WHERE id = $1', [deleted.id]);
      const coOwned = await createOrg(t, user, { name: `Shared ${tag}` });
      await memberOf(t, coOwned.id, 'OWNER');
      const heir = await memberOf(t, alone.id, 'ADMIN');

      const res = await deleteMe(user).expect(409);
      expect(res.body).toMatchObject({ code: 'LAST_OWNER', status: 409 });
      expect(res.body.detail).toContain(`"Alone ${tag}" (${alone.id})`);
      expect(res.body.detail).not.toContain('Gone');
      expect(res.body.detail).not.toContain('Shared');
      // Nothing happened.
      await t.http().get('/v1/me').set(user.auth).expect(200);
      expect(await count('SELECT count(*)::int AS n FROM memberships WHERE "userId" = $1', [user.id])).toBe(3);

      await t
        .http()
        .patch(`/v1/orgs/${alone.id}/members/${heir.id}`)
        .set(user.auth)
        .send({ role: 'OWNER' })
        .expect(200);
      await deleteMe(user).expect(204);
      const org = await t.http().get(`/v1/orgs/${alone.id}`).set(heir.auth).expect(200);
      expect(org.body).toMatchObject({ id: alone.id, role: 'OWNER' });
    });

    it('two owners of one org deleting themselves at once: one goes, the other is refused', async () => {
      const first = await signUp(t);
      const org = await createOrg(t, first);
      const second = await memberOf(t, org.id, 'OWNER');
      const results = await Promise.all([deleteMe(first), deleteMe(second)]);
      expect(results.map((res) => res.status).sort()).toEqual([204, 409]);
      expect(
        await count(`SELECT count(*)::int AS n FROM memberships WHERE "orgId" = $1 AND role = 'OWNER'`, [org.id]),
      ).toBe(1);
    });
  });

  describe('DELETE /v1/admin/users/{userId}', () => {
    it('deletes another account: its tokens die, it is listed with deletedAt, and it is gone for every other admin route', async () => {
      const w = await userWithData();
      await t.http().delete(`/v1/admin/users/${w.user.id}`).set(admin.auth).expect(204);

      // Other instances hear of the deletion through Redis a moment later.
      expect(await statusOnceSettled(() => t.http().get('/v1/me').set(w.user.auth))).toBe(401);
      expect(await count('SELECT count(*)::int AS n FROM conversations WHERE "userId" = $1', [w.user.id])).toBe(0);
      expect(await sql('SELECT "createdByUserId" FROM canvases WHERE id = $1', [w.canvases.org])).toEqual([
        { createdByUserId: null },
      ]);
      const listed = await t.http().get(`/v1/admin/users?q=${w.user.id}`).set(admin.auth).expect(200);
      expect(listed.body.data).toEqual([
        expect.objectContaining({
          id: w.user.id,
          email: `deleted+${w.user.id}@invalid`,
          name: 'Deleted user',
          deletedAt: expect.any(String),
        }),
      ]);
      // The deletion is audited in the user's orgs, with the admin as the actor.
      const audit = await t
        .http()
        .get(`/v1/orgs/${w.orgA.id}/audit-logs?action=user.deleted`)
        .set(w.owner.auth)
        .expect(200);
      expect(audit.body.data).toEqual([expect.objectContaining({ actorId: admin.id, resourceId: w.user.id })]);

      await t.http().delete(`/v1/admin/users/${w.user.id}`).set(admin.auth).expect(404);
      await t.http().post(`/v1/admin/users/${w.user.id}/suspend`).set(admin.auth).expect(404);
      await t.http().post(`/v1/admin/users/${w.user.id}/unsuspend`).set(admin.auth).expect(404);
    });

    it('409 LAST_OWNER for the sole owner of an org', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const res = await t.http().delete(`/v1/admin/users/${owner.id}`).set(admin.auth).expect(409);
      expect(res.body).toMatchObject({ code: 'LAST_OWNER', detail: expect.stringContaining(org.id) });
      await t.http().get('/v1/me').set(owner.auth).expect(200);
    });

    it('400 for the admin themselves; 404 for an unknown user or a malformed id', async () => {
      const self = await t.http().delete(`/v1/admin/users/${admin.id}`).set(admin.auth).expect(400);
      expect(self.body).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringContaining('DELETE /v1/me') });
      await t.http().delete('/v1/admin/users/not-a-uuid').set(admin.auth).expect(404);
      await t.http().delete(`/v1/admin/users/${UNKNOWN_ID}`).set(admin.auth).expect(404);
      await t.http().get('/v1/me').set(admin.auth).expect(200);
    });

    it('401 anonymous, 403 for members (even an org owner over their own member) and API keys', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const member = await memberOf(t, org.id, 'VIEWER');
      await t.http().delete(`/v1/admin/users/${member.id}`).expect(401);
      const forbidden = await t.http().delete(`/v1/admin/users/${member.id}`).set(owner.auth).expect(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      const key = await apiKeyOf(owner, org.id);
      await t.http().delete(`/v1/admin/users/${member.id}`).set(key).expect(403);
      await t.http().get('/v1/me').set(member.auth).expect(200);
    });
  });
});
