import { randomToken, sha256 } from '../../src/common/crypto/tokens';
import { addMember, createOrg, inOrg, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const DAY_MS = 24 * 3600 * 1000;

describe('me (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let org: { id: string; name: string };
  let apiKey: { Authorization: string };

  beforeAll(async () => {
    t = await createTestApp();
    user = await signUp(t, { name: 'Grace Hopper' });
    org = await createOrg(t, user);
    const key = `ob_${randomToken(32)}`;
    await inOrg(t, org.id, (tx) =>
      tx.serviceApiKey.create({
        data: {
          orgId: org.id,
          name: 'me-key',
          prefix: key.slice(0, 8),
          keyHash: sha256(key),
          scopes: ['variables:read'],
        },
      }),
    );
    apiKey = { Authorization: `Bearer ${key}` };
  });
  afterAll(() => t.close());

  describe('GET /v1/me', () => {
    it('returns the caller with profile fields', async () => {
      const fresh = await signUp(t, { name: 'Fresh' });
      const res = await t.http().get('/v1/me').set(fresh.auth).expect(200);
      expect(res.body).toEqual({
        id: fresh.id,
        email: fresh.email,
        name: 'Fresh',
        emailVerified: false,
        platformRole: 'USER',
        createdAt: expect.any(String),
        lastActiveOrgId: null,
        locale: null,
        timezone: null,
        image: null,
      });
    });

    it('401 without credentials, 403 for an API key', async () => {
      const res = await t.http().get('/v1/me').expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
      const key = await t.http().get('/v1/me').set(apiKey).expect(403);
      expect(key.body.code).toBe('FORBIDDEN');
    });
  });

  describe('PATCH /v1/me', () => {
    it('updates name, locale, timezone and image; null clears', async () => {
      const someone = await signUp(t);
      const body = {
        name: 'New Name',
        locale: 'en-US',
        timezone: 'America/New_York',
        image: 'https://cdn.example.test/a.png',
      };
      const res = await t.http().patch('/v1/me').set(someone.auth).send(body).expect(200);
      expect(res.body).toMatchObject({ id: someone.id, ...body });
      expect((await t.http().get('/v1/me').set(someone.auth).expect(200)).body).toMatchObject(body);

      const cleared = await t.http().patch('/v1/me').set(someone.auth).send({ locale: null, image: null }).expect(200);
      expect(cleared.body).toMatchObject({ name: 'New Name', locale: null, timezone: 'America/New_York', image: null });
      const row = await t.asOwner((db) =>
        db.query<{ name: string; image: string | null; locale: string | null; timezone: string }>(
          'SELECT u.name, u.image, p.locale, p.timezone FROM users u JOIN user_profiles p ON p."userId" = u.id WHERE u.id = $1',
          [someone.id],
        ),
      );
      expect(row.rows).toEqual([{ name: 'New Name', image: null, locale: null, timezone: 'America/New_York' }]);
    });

    it('accepts a bare language and UTC', async () => {
      const res = await t.http().patch('/v1/me').set(user.auth).send({ locale: 'fr', timezone: 'UTC' }).expect(200);
      expect(res.body).toMatchObject({ locale: 'fr', timezone: 'UTC', name: 'Grace Hopper' });
    });

    it.each([
      ['name', ''],
      ['name', 'x'.repeat(101)],
      ['name', null],
      ['locale', 'english'],
      ['locale', 'en_us'],
      ['timezone', 'Not a zone'],
      ['timezone', `Europe/${'x'.repeat(60)}`],
      ['image', 'ftp://files.example.test/a.png'],
      ['image', 'not a url'],
      ['image', `https://example.test/${'a'.repeat(2040)}`],
      ['email', 'new@example.test'],
    ])('400 for %s = %j', async (field, value) => {
      const res = await t
        .http()
        .patch('/v1/me')
        .set(user.auth)
        .send({ [field]: value })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    });

    it('401 without credentials, 403 for an API key', async () => {
      await t.http().patch('/v1/me').send({ name: 'x' }).expect(401);
      await t.http().patch('/v1/me').set(apiKey).send({ name: 'x' }).expect(403);
      const row = await t.asOwner((db) =>
        db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [user.id]),
      );
      expect(row.rows[0]!.name).toBe('Grace Hopper');
    });
  });

  describe('PUT /v1/me/active-org', () => {
    it('switches to an org the caller is an active member of', async () => {
      const member = await signUp(t);
      await addMember(t, org.id, member.id, 'VIEWER');
      const res = await t.http().put('/v1/me/active-org').set(member.auth).send({ orgId: org.id }).expect(200);
      expect(res.body).toMatchObject({ id: member.id, lastActiveOrgId: org.id });
      expect((await t.http().get('/v1/me').set(member.auth).expect(200)).body.lastActiveOrgId).toBe(org.id);
    });

    it('404 for another org, an unknown id, a deleted org or an inactive membership', async () => {
      const member = await signUp(t);
      const outsider = await signUp(t);
      const otherOrg = await createOrg(t, outsider);
      const put = (orgId: string) => t.http().put('/v1/me/active-org').set(member.auth).send({ orgId });

      const res = await put(otherOrg.id).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      await put('0195f2a0-0000-7000-8000-000000000000').expect(404);

      const deleted = await createOrg(t, member);
      await t.asOwner((db) => db.query('UPDATE organizations SET "deletedAt" = now() WHERE id = $1', [deleted.id]));
      await put(deleted.id).expect(404);

      const suspended = await createOrg(t, outsider);
      await addMember(t, suspended.id, member.id, 'EDITOR');
      await put(suspended.id).expect(200);
      await inOrg(t, suspended.id, (tx) =>
        tx.membership.update({
          where: { orgId_userId: { orgId: suspended.id, userId: member.id } },
          data: { status: 'SUSPENDED' },
        }),
      );
      await put(otherOrg.id).expect(404);
      await put(suspended.id).expect(404);
    });

    it('400 for a missing or non-UUID orgId, 401 without credentials, 403 for an API key', async () => {
      const res = await t.http().put('/v1/me/active-org').set(user.auth).send({ orgId: 'nope' }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['orgId']);
      await t.http().put('/v1/me/active-org').set(user.auth).send({}).expect(400);
      await t.http().put('/v1/me/active-org').send({ orgId: org.id }).expect(401);
      await t.http().put('/v1/me/active-org').set(apiKey).send({ orgId: org.id }).expect(403);
    });
  });

  describe('GET /v1/me/invitations', () => {
    const invite = (
      orgId: string,
      email: string,
      overrides: { status?: 'PENDING' | 'ACCEPTED' | 'REVOKED'; expiresAt?: Date; role?: 'VIEWER' | 'EDITOR' } = {},
    ) =>
      inOrg(t, orgId, (tx) =>
        tx.invitation.create({
          data: {
            orgId,
            email,
            role: overrides.role ?? 'VIEWER',
            status: overrides.status ?? 'PENDING',
            tokenHash: `x${unique()}${unique()}`,
            expiresAt: overrides.expiresAt ?? new Date(Date.now() + 7 * DAY_MS),
          },
        }),
      );

    it('lists pending, unexpired invitations to my email, newest first, with paging', async () => {
      const invitee = await signUp(t);
      const inviter = await signUp(t);
      const orgA = await createOrg(t, inviter, { name: 'Alpha' });
      const orgB = await createOrg(t, inviter, { name: 'Beta' });
      const gone = await createOrg(t, inviter, { name: 'Gone' });
      const first = await invite(orgA.id, invitee.email, { role: 'EDITOR' });
      const second = await invite(orgB.id, invitee.email.toUpperCase());
      await invite(orgA.id, invitee.email, { status: 'ACCEPTED' });
      // Expired (in another org: one org holds one pending invitation per email).
      const lapsed = await createOrg(t, inviter, { name: 'Lapsed' });
      await invite(lapsed.id, invitee.email, { expiresAt: new Date(Date.now() - 1000) });
      await invite(orgA.id, `someone-else-${unique()}@example.test`);
      await invite(gone.id, invitee.email);
      await t.asOwner((db) => db.query('UPDATE organizations SET "deletedAt" = now() WHERE id = $1', [gone.id]));

      const page1 = await t.http().get('/v1/me/invitations?limit=1').set(invitee.auth).expect(200);
      expect(page1.body.data).toEqual([
        {
          id: second.id,
          orgId: orgB.id,
          orgName: 'Beta',
          role: 'VIEWER',
          expiresAt: second.expiresAt.toISOString(),
          createdAt: second.createdAt.toISOString(),
        },
      ]);
      const page2 = await t
        .http()
        .get(`/v1/me/invitations?limit=1&cursor=${page1.body.nextCursor}`)
        .set(invitee.auth)
        .expect(200);
      expect(page2.body).toEqual({
        data: [expect.objectContaining({ id: first.id, orgName: 'Alpha', role: 'EDITOR' })],
        nextCursor: null,
      });

      // Nobody else sees them, not even the inviter.
      const others = await t.http().get('/v1/me/invitations').set(inviter.auth).expect(200);
      expect(others.body).toEqual({ data: [], nextCursor: null });
    });

    it('400 for a bad limit or cursor, 401 without credentials, 403 for an API key', async () => {
      await t.http().get('/v1/me/invitations?limit=101').set(user.auth).expect(400);
      await t.http().get('/v1/me/invitations?cursor=garbage').set(user.auth).expect(400);
      await t.http().get('/v1/me/invitations').expect(401);
      await t.http().get('/v1/me/invitations').set(apiKey).expect(403);
    });
  });
});
