import { createOrg, inOrg, signUp, unique, type TestUser } from '../factories';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, type TestApp } from '../support/test-app';
import { itInProcess } from '../support/pair';
import { randomToken, sha256 } from '../../src/common/crypto/tokens';
import { AuthRepository } from '../../src/modules/auth/auth.repository';

const HOUR_MS = 3600 * 1000;

/** A distinct client address (these apps set TRUST_PROXY), so IP failure counts never collide. */
const fromIp = () => ({ 'X-Forwarded-For': `10.${rand()}.${rand()}.${rand()}` });
const rand = () => Math.floor(Math.random() * 254) + 1;

describe('auth (e2e)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url, APP_URL: 'https://app.example.test', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const login = (email: string, password: string, headers: Record<string, string> = fromIp()) =>
    t.http().post('/v1/auth/login').set(headers).send({ email, password });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const authed = (token: string) => t.http().get('/v1/auth/sessions').set(bearer(token));
  const tokenRows = (userId: string, purpose: string) =>
    t.asOwner((db) =>
      db.query<{ tokenHash: string; expiresAt: Date; createdAt: Date; consumedAt: Date | null }>(
        'SELECT "tokenHash", "expiresAt", "createdAt", "consumedAt" FROM verification_tokens WHERE "userId" = $1 AND purpose = $2 ORDER BY "createdAt"',
        [userId, purpose],
      ),
    );
  const auditRows = (resourceId: string) =>
    t.asOwner((db) =>
      db.query<{ orgId: string; action: string; actorId: string; resourceType: string }>(
        'SELECT "orgId", action, "actorId", "resourceType" FROM audit_logs WHERE "resourceId" = $1 ORDER BY "createdAt"',
        [resourceId],
      ),
    );
  const apiKeyFor = async (orgId: string) => {
    const key = `ob_${randomToken(32)}`;
    await inOrg(t, orgId, (tx) =>
      tx.serviceApiKey.create({
        data: {
          orgId,
          name: `key-${unique()}`,
          prefix: key.slice(0, 8),
          keyHash: sha256(key),
          scopes: ['variables:read'],
        },
      }),
    );
    return bearer(key);
  };

  describe('POST /v1/auth/register', () => {
    it('creates the account, signs in, and mails a verification link stored as a hash for 24 h', async () => {
      const email = `new-${unique()}@example.test`;
      const res = await t
        .http()
        .post('/v1/auth/register')
        .send({ email: email.toUpperCase(), password: 'long enough password', name: 'Ada' })
        .expect(201);
      expect(res.body).toEqual({
        user: {
          id: expect.any(String),
          email,
          name: 'Ada',
          emailVerified: false,
          platformRole: 'USER',
          createdAt: expect.any(String),
        },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      await authed(res.body.accessToken).expect(200);
      const stored = await t.asOwner((db) =>
        db.query<{ passwordHash: string }>('SELECT "passwordHash" FROM users WHERE id = $1', [res.body.user.id]),
      );
      expect(stored.rows[0]!.passwordHash).toMatch(/^\$2b\$/);

      const mail = await sink.next(email);
      const link = SmtpSink.link(mail);
      expect(link.url.startsWith('https://app.example.test/verify-email?token=')).toBe(true);
      const tokens = await tokenRows(res.body.user.id, 'EMAIL_VERIFICATION');
      expect(tokens.rows).toHaveLength(1);
      expect(tokens.rows[0]!.tokenHash).toBe(sha256(link.token));
      const ttl = tokens.rows[0]!.expiresAt.getTime() - tokens.rows[0]!.createdAt.getTime();
      expect(Math.round(ttl / HOUR_MS)).toBe(24);
    });

    it('400 VALIDATION_FAILED names each bad field', async () => {
      const res = await t
        .http()
        .post('/v1/auth/register')
        .send({ email: 'not-an-email', password: 'short', extra: 1 })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'email',
        'extra',
        'name',
        'password',
      ]);
    });

    it('409 DUPLICATE for an email that has an account (whatever its case)', async () => {
      const user = await signUp(t);
      const res = await t
        .http()
        .post('/v1/auth/register')
        .send({ email: user.email.toUpperCase(), password: 'another password', name: 'Copy' })
        .expect(409);
      expect(res.body.code).toBe('DUPLICATE');
      const count = await t.asOwner((db) =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE email = $1', [user.email]),
      );
      expect(count.rows[0]!.n).toBe(1);
    });
  });

  describe('POST /v1/auth/login', () => {
    it('signs in with the right password and audits it in the user org', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const res = await login(user.email, user.password).expect(200);
      expect(res.body).toMatchObject({ user: { id: user.id, email: user.email }, expiresIn: 900 });
      await authed(res.body.accessToken).expect(200);
      const audit = await t.asOwner((db) =>
        db.query<{ orgId: string; actorId: string }>(
          `SELECT "orgId", "actorId" FROM audit_logs WHERE action = 'auth.login' AND "actorId" = $1`,
          [user.id],
        ),
      );
      expect(audit.rows).toEqual([{ orgId: org.id, actorId: user.id }]);
    });

    it('answers an unknown email and a wrong password with the same 401', async () => {
      const user = await signUp(t);
      const unknown = await login(`nobody-${unique()}@example.test`, 'whatever password').expect(401);
      const wrong = await login(user.email, 'wrong password').expect(401);
      expect(wrong.body.code).toBe('UNAUTHENTICATED');
      expect({ code: wrong.body.code, detail: wrong.body.detail, title: wrong.body.title }).toEqual({
        code: unknown.body.code,
        detail: unknown.body.detail,
        title: unknown.body.title,
      });
    });

    it('400 for a malformed body', async () => {
      const res = await t.http().post('/v1/auth/login').send({ email: 'x' }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);
    });
  });

  describe('POST /v1/auth/refresh', () => {
    it('returns a new pair; the old refresh token stops working', async () => {
      const user = await signUp(t);
      const first = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      await authed(first.body.accessToken).expect(200);
      const second = await t
        .http()
        .post('/v1/auth/refresh')
        .send({ refreshToken: first.body.refreshToken })
        .expect(200);
      expect(second.body.user.id).toBe(user.id);
    });

    it('a rotated token presented again after the grace window revokes the whole session', async () => {
      const user = await signUp(t);
      const rotated = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      // As if the rotation were REFRESH_REUSE_GRACE_SECONDS (10 s) and a moment ago.
      await t.asOwner((db) =>
        db.query(`UPDATE refresh_tokens SET "usedAt" = now() - interval '11 seconds' WHERE "tokenHash" = $1`, [
          sha256(user.refreshToken),
        ]),
      );
      const replay = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      expect(replay.body.code).toBe('UNAUTHENTICATED');
      await t.http().post('/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
      await authed(rotated.body.accessToken).expect(401);
      await authed(user.accessToken).expect(401);
    });

    it('10 parallel refreshes of one token (tabs) all get the same new pair; every token works, the session lives', async () => {
      const user = await signUp(t);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken })),
      );
      expect(results.map((res) => res.status)).toEqual(Array(10).fill(200));
      const refreshTokens = new Set(results.map((res) => res.body.refreshToken as string));
      expect(refreshTokens.size).toBe(1);
      const [successor] = [...refreshTokens];
      expect(successor).not.toBe(user.refreshToken);
      for (const res of results) await authed(res.body.accessToken).expect(200);
      // Stored once, as a hash; the presented token is spent.
      const rows = await t.asOwner((db) =>
        db.query<{ tokenHash: string; usedAt: Date | null }>(
          `SELECT r."tokenHash", r."usedAt" FROM refresh_tokens r JOIN sessions s ON s.id = r."sessionId" WHERE s."userId" = $1 ORDER BY r."createdAt"`,
          [user.id],
        ),
      );
      expect(rows.rows.map((row) => [row.tokenHash, row.usedAt !== null])).toEqual([
        [sha256(user.refreshToken), true],
        [sha256(successor!), false],
      ]);
      const next = await t.http().post('/v1/auth/refresh').send({ refreshToken: successor }).expect(200);
      await authed(next.body.accessToken).expect(200);
      await authed(user.accessToken).expect(200);
    });

    it('within the grace window a replay gets the same pair, but not once the session has ended', async () => {
      const user = await signUp(t);
      const first = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      const again = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      expect(again.body.refreshToken).toBe(first.body.refreshToken);
      await t.http().post('/v1/auth/logout').set(bearer(again.body.accessToken)).expect(204);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
    });

    it('401 for an unknown token, 400 without one', async () => {
      await t.http().post('/v1/auth/refresh').send({ refreshToken: randomToken() }).expect(401);
      await t.http().post('/v1/auth/refresh').send({}).expect(400);
    });
  });

  describe('POST /v1/auth/logout', () => {
    it('ends the session at once: its access and refresh tokens fail', async () => {
      const user = await signUp(t);
      const other = await login(user.email, user.password).expect(200);
      await t.http().post('/v1/auth/logout').set(user.auth).expect(204);
      await authed(user.accessToken).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      // Only that session: the other one lives on.
      await authed(other.body.accessToken).expect(200);
    });

    it('401 without credentials', async () => {
      await t.http().post('/v1/auth/logout').expect(401);
    });
  });

  describe('email verification', () => {
    it('follows the mailed link: 200 with emailVerified, then the token is spent', async () => {
      const user = await signUp(t);
      const { token } = SmtpSink.link(await sink.next(user.email));
      const res = await t.http().post('/v1/auth/verify-email').send({ token }).expect(200);
      expect(res.body).toMatchObject({ id: user.id, email: user.email, emailVerified: true });
      const row = await t.asOwner((db) =>
        db.query<{ emailVerifiedAt: Date | null }>('SELECT "emailVerifiedAt" FROM users WHERE id = $1', [user.id]),
      );
      expect(row.rows[0]!.emailVerifiedAt).toBeInstanceOf(Date);
      const again = await t.http().post('/v1/auth/verify-email').send({ token }).expect(400);
      expect(again.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'token' }] });
    });

    it('400 for an unknown or expired token, or none', async () => {
      const user = await signUp(t);
      const { token } = SmtpSink.link(await sink.next(user.email));
      await t.asOwner((db) =>
        db.query(`UPDATE verification_tokens SET "expiresAt" = now() - interval '1 second' WHERE "tokenHash" = $1`, [
          sha256(token),
        ]),
      );
      const expired = await t.http().post('/v1/auth/verify-email').send({ token }).expect(400);
      expect(expired.body.errors).toEqual([{ field: 'token', messages: [expect.any(String)] }]);
      await t.http().post('/v1/auth/verify-email').send({ token: randomToken() }).expect(400);
      await t.http().post('/v1/auth/verify-email').send({}).expect(400);
      const after = await t.http().get('/v1/me').set(user.auth).expect(200);
      expect(after.body.emailVerified).toBe(false);
    });

    it('a password reset token does not verify an email', async () => {
      const user = await signUp(t);
      await sink.next(user.email);
      await t.http().post('/v1/auth/forgot-password').send({ email: user.email }).expect(202);
      const { token } = SmtpSink.link(await sink.next(user.email));
      await t.http().post('/v1/auth/verify-email').send({ token }).expect(400);
    });

    it('resend mails a new working link (202), and nothing once verified', async () => {
      const user = await signUp(t);
      const first = SmtpSink.link(await sink.next(user.email));
      await t.http().post('/v1/auth/verify-email/resend').set(user.auth).expect(202);
      const second = SmtpSink.link(await sink.next(user.email));
      expect(second.token).not.toBe(first.token);
      await t.http().post('/v1/auth/verify-email').send({ token: second.token }).expect(200);

      await t.http().post('/v1/auth/verify-email/resend').set(user.auth).expect(202);
      // The mail is sent before the answer, so had one been sent it would be here.
      expect(sink.messages.filter((mail) => mail.to.includes(user.email))).toEqual([]);
      expect((await tokenRows(user.id, 'EMAIL_VERIFICATION')).rows).toHaveLength(2);
    });

    it('resend: 401 without credentials, 403 for an API key', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      await t.http().post('/v1/auth/verify-email/resend').expect(401);
      const res = await t
        .http()
        .post('/v1/auth/verify-email/resend')
        .set(await apiKeyFor(org.id))
        .expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });
  });

  describe('password reset', () => {
    it('202 for any email; only an existing account gets a 1 h reset link', async () => {
      const user = await signUp(t);
      await sink.next(user.email);
      const stranger = `nobody-${unique()}@example.test`;
      await t.http().post('/v1/auth/forgot-password').send({ email: stranger }).expect(202);
      await t.http().post('/v1/auth/forgot-password').send({ email: user.email.toUpperCase() }).expect(202);
      const link = SmtpSink.link(await sink.next(user.email));
      expect(link.url.startsWith('https://app.example.test/reset-password?token=')).toBe(true);
      expect(sink.messages.filter((mail) => mail.to.includes(stranger))).toEqual([]);
      const rows = (await tokenRows(user.id, 'PASSWORD_RESET')).rows;
      expect(rows.map((row) => row.tokenHash)).toEqual([sha256(link.token)]);
      expect(Math.round((rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()) / 60_000)).toBe(60);
    });

    it('mails one address at most 3 times an hour (registration included), answering 202 throughout', async () => {
      const user = await signUp(t);
      await sink.next(user.email);
      for (let i = 0; i < 3; i++)
        await t.http().post('/v1/auth/forgot-password').send({ email: user.email }).expect(202);
      await sink.next(user.email);
      await sink.next(user.email);
      // The third request found the address's budget spent: no mail, and no new token either.
      await expect(sink.next(user.email, 500)).rejects.toThrow(/no mail/);
      expect((await tokenRows(user.id, 'PASSWORD_RESET')).rows).toHaveLength(2);
    });

    itInProcess(
      'answers before looking the email up: a stalled lookup holds up neither a known nor an unknown email',
      async () => {
        const user = await signUp(t);
        await sink.next(user.email);
        const repository = t.app.get(AuthRepository);
        const lookup = repository.findUserByEmail.bind(repository);
        let release!: () => void;
        const stalled = new Promise<void>((resolve) => (release = resolve));
        const spy = jest.spyOn(repository, 'findUserByEmail').mockImplementation(async (email) => {
          await stalled;
          return lookup(email);
        });
        try {
          for (const email of [user.email, `nobody-${unique()}@example.test`])
            await t.http().post('/v1/auth/forgot-password').timeout(3000).send({ email }).expect(202);
          expect(sink.messages.filter((mail) => mail.to.includes(user.email))).toEqual([]);
          release();
          // The work goes on after the answer: the known address gets its link.
          const { token } = SmtpSink.link(await sink.next(user.email));
          expect((await tokenRows(user.id, 'PASSWORD_RESET')).rows.map((row) => row.tokenHash)).toEqual([
            sha256(token),
          ]);
          expect(spy).toHaveBeenCalledTimes(2);
        } finally {
          release();
          spy.mockRestore();
        }
      },
    );

    it('forgot-password: 400 for a malformed email', async () => {
      const res = await t.http().post('/v1/auth/forgot-password').send({ email: 'nope' }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['email']);
    });

    it('resets the password, spends the token, ends every session and audits it', async () => {
      const user = await signUp(t);
      await sink.next(user.email);
      const org = await createOrg(t, user);
      const second = await login(user.email, user.password).expect(200);
      await t.http().post('/v1/auth/forgot-password').send({ email: user.email }).expect(202);
      const older = SmtpSink.link(await sink.next(user.email));
      await t.http().post('/v1/auth/forgot-password').send({ email: user.email }).expect(202);
      const { token } = SmtpSink.link(await sink.next(user.email));

      await t.http().post('/v1/auth/reset-password').send({ token, password: 'brand new password' }).expect(204);

      await authed(user.accessToken).expect(401);
      await authed(second.body.accessToken).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: second.body.refreshToken }).expect(401);
      await login(user.email, user.password).expect(401);
      await login(user.email, 'brand new password').expect(200);
      // The same link, and an older one, no longer work.
      await t.http().post('/v1/auth/reset-password').send({ token, password: 'another password' }).expect(400);
      await t
        .http()
        .post('/v1/auth/reset-password')
        .send({ token: older.token, password: 'another password' })
        .expect(400);
      expect(await auditRows(user.id)).toMatchObject({
        rows: [{ orgId: org.id, action: 'user.password_reset', actorId: user.id, resourceType: 'user' }],
      });
    });

    it('400 for a bad token (field token) or a short password', async () => {
      const bad = await t
        .http()
        .post('/v1/auth/reset-password')
        .send({ token: randomToken(), password: 'long enough password' })
        .expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'token' }] });
      const short = await t.http().post('/v1/auth/reset-password').send({ token: 'x', password: 'short' }).expect(400);
      expect(short.body.errors.map((e: { field: string }) => e.field)).toEqual(['password']);
    });
  });

  describe('POST /v1/auth/change-password', () => {
    it('changes it, keeps this session, ends the others, and audits it', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const other = await login(user.email, user.password).expect(200);
      await t
        .http()
        .post('/v1/auth/change-password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: 'a better password' })
        .expect(204);
      await authed(user.accessToken).expect(200);
      await authed(other.body.accessToken).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: other.body.refreshToken }).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      await login(user.email, user.password).expect(401);
      await login(user.email, 'a better password').expect(200);
      const audit = (await auditRows(user.id)).rows.filter((row) => row.action === 'user.password_changed');
      expect(audit).toEqual([
        { orgId: org.id, action: 'user.password_changed', actorId: user.id, resourceType: 'user' },
      ]);
    });

    it('403 FORBIDDEN for a wrong current password; nothing changes', async () => {
      const user = await signUp(t);
      const other = await login(user.email, user.password).expect(200);
      const res = await t
        .http()
        .post('/v1/auth/change-password')
        .set(user.auth)
        .send({ currentPassword: 'not my password', newPassword: 'a better password' })
        .expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      await authed(other.body.accessToken).expect(200);
      await login(user.email, user.password).expect(200);
    });

    it('400 for a short new password, 401 without credentials, 403 for an API key', async () => {
      const user = await signUp(t);
      const org = await createOrg(t, user);
      const body = { currentPassword: user.password, newPassword: 'a better password' };
      const res = await t
        .http()
        .post('/v1/auth/change-password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword: 'short' })
        .expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['newPassword']);
      await t.http().post('/v1/auth/change-password').send(body).expect(401);
      await t
        .http()
        .post('/v1/auth/change-password')
        .set(await apiKeyFor(org.id))
        .send(body)
        .expect(403);
    });
  });

  describe('sessions', () => {
    let user: TestUser;
    const sessions = (token: string, query = '') => t.http().get(`/v1/auth/sessions${query}`).set(bearer(token));

    beforeEach(async () => {
      user = await signUp(t);
    });

    it('lists live sessions newest first with paging, marking the current one', async () => {
      const second = await login(user.email, user.password, { ...fromIp(), 'User-Agent': 'second-agent' });
      const third = await login(user.email, user.password, { 'X-Forwarded-For': '10.9.8.7', 'User-Agent': 'third' });
      await t.http().post('/v1/auth/logout').set(bearer(second.body.accessToken)).expect(204);

      const page1 = await sessions(user.accessToken, '?limit=1').expect(200);
      expect(page1.body.data).toEqual([
        {
          id: expect.any(String),
          ip: '10.9.8.7',
          userAgent: 'third',
          createdAt: expect.any(String),
          lastUsedAt: expect.any(String),
          expiresAt: expect.any(String),
          current: false,
        },
      ]);
      expect(page1.body.nextCursor).toEqual(expect.any(String));
      const page2 = await sessions(user.accessToken, `?limit=1&cursor=${page1.body.nextCursor}`).expect(200);
      expect(page2.body).toEqual({ data: [expect.objectContaining({ current: true })], nextCursor: null });

      const viaThird = await sessions(third.body.accessToken).expect(200);
      expect(viaThird.body.data.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
    });

    it('400 for a bad limit or cursor, 401 without credentials', async () => {
      await sessions(user.accessToken, '?limit=0').expect(400);
      await sessions(user.accessToken, '?cursor=garbage').expect(400);
      await t.http().get('/v1/auth/sessions').expect(401);
    });

    it('revokes one of my sessions; its tokens stop working', async () => {
      const other = await login(user.email, user.password).expect(200);
      const list = await sessions(user.accessToken).expect(200);
      const target = list.body.data.find((s: { current: boolean }) => !s.current);
      await t.http().delete(`/v1/auth/sessions/${target.id}`).set(user.auth).expect(204);
      await authed(other.body.accessToken).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: other.body.refreshToken }).expect(401);
      const after = await sessions(user.accessToken).expect(200);
      expect(after.body.data.map((s: { id: string }) => s.id)).not.toContain(target.id);
      await t.http().delete(`/v1/auth/sessions/${target.id}`).set(user.auth).expect(404);
    });

    it("404 for someone else's session, an unknown id or a non-UUID; 401 without credentials", async () => {
      const stranger = await signUp(t);
      const theirs = (await sessions(stranger.accessToken).expect(200)).body.data[0].id;
      const res = await t.http().delete(`/v1/auth/sessions/${theirs}`).set(user.auth).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
      await authed(stranger.accessToken).expect(200);
      await t.http().delete('/v1/auth/sessions/0195f2a0-0000-7000-8000-000000000000').set(user.auth).expect(404);
      await t.http().delete('/v1/auth/sessions/not-a-uuid').set(user.auth).expect(404);
      await t.http().delete(`/v1/auth/sessions/${theirs}`).expect(401);
    });

    it('403 for an API key', async () => {
      const org = await createOrg(t, user);
      const key = await apiKeyFor(org.id);
      await t.http().get('/v1/auth/sessions').set(key).expect(403);
    });
  });
});
