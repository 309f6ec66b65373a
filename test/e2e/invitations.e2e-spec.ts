import { sha256 } from '../../src/common/crypto/tokens';
import { addMember, inOrg, orgWithEveryRole, signUp, unique, type TestUser } from '../factories';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, type TestApp } from '../support/test-app';

describe('invitations (e2e)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url, APP_URL: 'https://app.example.test' } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const newEmail = () => `invitee-${unique()}@example.test`;
  const invite = (orgId: string, by: TestUser, body: Record<string, unknown>) =>
    t.http().post(`/v1/orgs/${orgId}/invitations`).set(by.auth).send(body);
  /** Invites `email` and returns the invitation and the token from the email's link. */
  async function invited(orgId: string, by: TestUser, email: string, role = 'EDITOR') {
    const res = await invite(orgId, by, { email, role }).expect(201);
    return { invitation: res.body, token: SmtpSink.link(await sink.next(email)).token };
  }
  const accept = (user: TestUser | null, token: unknown) => {
    const req = t.http().post('/v1/invitations/accept');
    return (user ? req.set(user.auth) : req).send({ token });
  };
  const decline = (user: TestUser | null, token: unknown) => {
    const req = t.http().post('/v1/invitations/decline');
    return (user ? req.set(user.auth) : req).send({ token });
  };
  const invitationRow = (id: string) =>
    t
      .asOwner((db) =>
        db.query<{ status: string; tokenHash: string; expiresAt: Date; respondedAt: Date | null }>(
          'SELECT status, "tokenHash", "expiresAt", "respondedAt" FROM invitations WHERE id = $1',
          [id],
        ),
      )
      .then((res) => res.rows[0]!);
  const auditOf = (orgId: string, action: string) =>
    t
      .asOwner((db) =>
        db.query<{ actorId: string; resourceId: string }>(
          'SELECT "actorId", "resourceId" FROM audit_logs WHERE "orgId" = $1 AND action = $2',
          [orgId, action],
        ),
      )
      .then((res) => res.rows);

  describe('the whole flow', () => {
    it('invite -> email -> accept with the token from the link -> the new member reads the org', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const res = await invite(w.org.id, w.admin, { email: email.toUpperCase(), role: 'EDITOR' }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        email,
        role: 'EDITOR',
        status: 'PENDING',
        expiresAt: expect.any(String),
        createdAt: expect.any(String),
        invitedByUserId: w.admin.id,
      });
      const days = (Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)) / (24 * 3600 * 1000);
      expect(Math.round(days)).toBe(7);

      const mail = await sink.next(email);
      expect(mail.subject).toContain(w.org.name);
      const link = SmtpSink.link(mail);
      expect(link.url.startsWith('https://app.example.test/invitations/accept?token=')).toBe(true);
      // Only the hash is stored.
      expect((await invitationRow(res.body.id)).tokenHash).toBe(sha256(link.token));
      expect(JSON.stringify(res.body)).not.toContain(link.token);

      const user = await signUp(t, { email });
      await t.http().get(`/v1/orgs/${w.org.id}`).set(user.auth).expect(404);
      const accepted = await accept(user, link.token).expect(200);
      expect(accepted.body).toMatchObject({ id: w.org.id, role: 'EDITOR', slug: w.org.slug });

      const org = await t.http().get(`/v1/orgs/${w.org.id}`).set(user.auth).expect(200);
      expect(org.body.role).toBe('EDITOR');
      const members = await t.http().get(`/v1/orgs/${w.org.id}/members`).set(user.auth).expect(200);
      expect(members.body.data).toContainEqual(
        expect.objectContaining({ userId: user.id, email, role: 'EDITOR', status: 'ACTIVE' }),
      );
      const row = await invitationRow(res.body.id);
      expect(row.status).toBe('ACCEPTED');
      expect(row.respondedAt).toBeInstanceOf(Date);
      expect(await auditOf(w.org.id, 'invitation.created')).toEqual([{ actorId: w.admin.id, resourceId: res.body.id }]);
      expect(await auditOf(w.org.id, 'invitation.accepted')).toEqual([{ actorId: user.id, resourceId: res.body.id }]);
      // A token works once.
      await accept(user, link.token).expect(404);
    });
  });

  describe('POST /v1/orgs/{orgId}/invitations', () => {
    it('400 for OWNER or bad fields', async () => {
      const w = await orgWithEveryRole(t);
      const owner = await invite(w.org.id, w.owner, { email: newEmail(), role: 'OWNER' }).expect(400);
      expect(owner.body.errors).toEqual([{ field: 'role', messages: [expect.stringMatching(/ownership/)] }]);
      await invite(w.org.id, w.admin, { email: 'not-an-email', role: 'VIEWER' }).expect(400);
      await invite(w.org.id, w.admin, { email: newEmail() }).expect(400);
      await invite(w.org.id, w.admin, { email: newEmail(), role: 'VIEWER', token: 'x' }).expect(400);
    });

    it('an ADMIN invites up to ADMIN', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      await invite(w.org.id, w.admin, { email, role: 'ADMIN' }).expect(201);
      await sink.next(email);
    });

    it('409 for a pending invitation to the same email or an existing member', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      await invited(w.org.id, w.admin, email);
      const dup = await invite(w.org.id, w.admin, { email, role: 'VIEWER' }).expect(409);
      expect(dup.body.code).toBe('DUPLICATE');
      const member = await invite(w.org.id, w.admin, { email: w.viewer.email, role: 'VIEWER' }).expect(409);
      expect(member.body.code).toBe('DUPLICATE');
      // The same email may be invited by another org.
      await invited(w.otherOrg.id, w.outsider, email);
    });

    it('an expired pending invitation does not block a new one', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { invitation } = await invited(w.org.id, w.admin, email);
      await inOrg(t, w.org.id, (tx) =>
        tx.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } }),
      );
      await invited(w.org.id, w.admin, email);
    });

    it('403 PLAN_LIMIT_REACHED once members and pending invitations fill the FREE plan (5)', async () => {
      const w = await orgWithEveryRole(t);
      await invited(w.org.id, w.admin, newEmail());
      const res = await invite(w.org.id, w.admin, { email: newEmail(), role: 'VIEWER' }).expect(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      const count = await t.asOwner((db) =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM invitations WHERE "orgId" = $1', [w.org.id]),
      );
      expect(count.rows[0]!.n).toBe(1);
    });

    it('401, 403 for an EDITOR, 404 for outsiders', async () => {
      const w = await orgWithEveryRole(t);
      await t.http().post(`/v1/orgs/${w.org.id}/invitations`).send({ email: newEmail(), role: 'VIEWER' }).expect(401);
      await invite(w.org.id, w.editor, { email: newEmail(), role: 'VIEWER' }).expect(403);
      await invite(w.org.id, w.outsider, { email: newEmail(), role: 'VIEWER' }).expect(404);
    });
  });

  describe('GET /v1/orgs/{orgId}/invitations', () => {
    it('lists newest first, filters by status, pages', async () => {
      const w = await orgWithEveryRole(t);
      // Two invitations on top of four members need more than the FREE plan's five seats.
      await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'PRO' WHERE id = $1`, [w.org.id]));
      const a = await invited(w.org.id, w.admin, newEmail());
      const b = await invited(w.org.id, w.admin, newEmail());
      await t.http().delete(`/v1/orgs/${w.org.id}/invitations/${a.invitation.id}`).set(w.admin.auth).expect(204);
      const url = `/v1/orgs/${w.org.id}/invitations`;
      const first = await t.http().get(`${url}?limit=1`).set(w.admin.auth).expect(200);
      expect(first.body.data.map((i: { id: string }) => i.id)).toEqual([b.invitation.id]);
      const second = await t.http().get(`${url}?limit=1&cursor=${first.body.nextCursor}`).set(w.admin.auth).expect(200);
      expect(second.body).toEqual({ data: [expect.objectContaining({ id: a.invitation.id })], nextCursor: null });
      const pending = await t.http().get(`${url}?status=PENDING`).set(w.admin.auth).expect(200);
      expect(pending.body.data.map((i: { id: string }) => i.id)).toEqual([b.invitation.id]);
      expect(JSON.stringify(pending.body)).not.toContain('token');
    });

    it('400 for a bad status, 401, 403 for an EDITOR, 404 for outsiders', async () => {
      const w = await orgWithEveryRole(t);
      const url = `/v1/orgs/${w.org.id}/invitations`;
      await t.http().get(`${url}?status=LOST`).set(w.admin.auth).expect(400);
      await t.http().get(url).expect(401);
      await t.http().get(url).set(w.editor.auth).expect(403);
      await t.http().get(url).set(w.outsider.auth).expect(404);
    });
  });

  describe('DELETE (revoke) and resend', () => {
    it('revokes a pending invitation: its token stops working', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { invitation, token } = await invited(w.org.id, w.admin, email);
      const url = `/v1/orgs/${w.org.id}/invitations/${invitation.id}`;
      await t.http().delete(url).expect(401);
      await t.http().delete(url).set(w.editor.auth).expect(403);
      await t.http().delete(`/v1/orgs/${w.otherOrg.id}/invitations/${invitation.id}`).set(w.outsider.auth).expect(404);
      await t.http().delete(url).set(w.admin.auth).expect(204);
      expect((await invitationRow(invitation.id)).status).toBe('REVOKED');
      expect(await auditOf(w.org.id, 'invitation.revoked')).toHaveLength(1);
      await t.http().delete(url).set(w.admin.auth).expect(404);
      await accept(await signUp(t, { email }), token).expect(404);
    });

    it('resends with a new token and expiry: the old link dies, the new one works', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { invitation, token: oldToken } = await invited(w.org.id, w.admin, email);
      await inOrg(t, w.org.id, (tx) =>
        tx.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() + 60_000) } }),
      );
      const url = `/v1/orgs/${w.org.id}/invitations/${invitation.id}/resend`;
      await t.http().post(url).expect(401);
      await t.http().post(url).set(w.editor.auth).expect(403);
      await t
        .http()
        .post(`/v1/orgs/${w.otherOrg.id}/invitations/${invitation.id}/resend`)
        .set(w.outsider.auth)
        .expect(404);
      const res = await t.http().post(url).set(w.admin.auth).expect(200);
      expect(res.body).toMatchObject({ id: invitation.id, status: 'PENDING' });
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
      const newToken = SmtpSink.link(await sink.next(email)).token;
      expect(newToken).not.toBe(oldToken);
      expect(await auditOf(w.org.id, 'invitation.resent')).toHaveLength(1);

      const user = await signUp(t, { email });
      await accept(user, oldToken).expect(404);
      await accept(user, newToken).expect(200);
      // Only pending invitations can be resent or revoked.
      await t.http().post(url).set(w.admin.auth).expect(404);
      await t.http().delete(`/v1/orgs/${w.org.id}/invitations/${invitation.id}`).set(w.admin.auth).expect(404);
      await t.http().post(`/v1/orgs/${w.org.id}/invitations/not-a-uuid/resend`).set(w.admin.auth).expect(404);
    });
  });

  describe('POST /v1/invitations/accept', () => {
    it('403 for a signed-in user with another email', async () => {
      const w = await orgWithEveryRole(t);
      const { invitation, token } = await invited(w.org.id, w.admin, newEmail());
      const res = await accept(w.outsider, token).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect((await invitationRow(invitation.id)).status).toBe('PENDING');
      await t.http().get(`/v1/orgs/${w.org.id}`).set(w.outsider.auth).expect(404);
    });

    it('404 for an unknown or expired token', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { invitation, token } = await invited(w.org.id, w.admin, email);
      const user = await signUp(t, { email });
      await accept(user, 'unknown-token').expect(404);
      await inOrg(t, w.org.id, (tx) =>
        tx.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } }),
      );
      const res = await accept(user, token).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      await t.http().get(`/v1/orgs/${w.org.id}`).set(user.auth).expect(404);
    });

    it('403 PLAN_LIMIT_REACHED when the org filled up after the invitation', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { invitation, token } = await invited(w.org.id, w.admin, email, 'VIEWER');
      await addMember(t, w.org.id, (await signUp(t)).id, 'VIEWER');
      const user = await signUp(t, { email });
      const res = await accept(user, token).expect(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      expect((await invitationRow(invitation.id)).status).toBe('PENDING');
    });

    it('409 when the user is already a member', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { token } = await invited(w.org.id, w.admin, email);
      const user = await signUp(t, { email });
      await addMember(t, w.org.id, user.id, 'VIEWER');
      expect((await accept(user, token).expect(409)).body.code).toBe('DUPLICATE');
    });

    it('400 without a token, 401 without credentials', async () => {
      const w = await orgWithEveryRole(t);
      await t.http().post('/v1/invitations/accept').set(w.viewer.auth).send({}).expect(400);
      await accept(w.viewer, 42).expect(400);
      await accept(null, 'whatever').expect(401);
    });
  });

  describe('POST /v1/invitations/decline', () => {
    it('declines (204): the invitation is DECLINED, audited, and its token dead', async () => {
      const w = await orgWithEveryRole(t);
      const email = newEmail();
      const { invitation, token } = await invited(w.org.id, w.admin, email);
      const user = await signUp(t, { email });
      await decline(w.outsider, token).expect(403);
      await decline(user, token).expect(204);
      expect((await invitationRow(invitation.id)).status).toBe('DECLINED');
      expect(await auditOf(w.org.id, 'invitation.declined')).toEqual([{ actorId: user.id, resourceId: invitation.id }]);
      await decline(user, token).expect(404);
      await accept(user, token).expect(404);
    });

    it('400 without a token, 401 without credentials, 404 for an unknown token', async () => {
      const w = await orgWithEveryRole(t);
      await decline(w.viewer, '').expect(400);
      await decline(null, 'x').expect(401);
      await decline(w.viewer, 'unknown').expect(404);
    });
  });
});
