import { signUp, unique } from '../factories';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Guess limits that slow the guesser without locking the owner out (issue 14, points 4, 5 and 7).
 * Client addresses come from X-Forwarded-For (TRUST_PROXY); each test uses its own.
 */
describe('auth abuse limits (e2e)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        TRUST_PROXY: 'true',
        SMTP_URL: sink.url,
        APP_URL: 'https://app.example.test',
        LOGIN_MAX_FAILURES: '3',
        LOGIN_BACKOFF_SECONDS: '30',
        LOGIN_IP_MAX_FAILURES: '6',
        LOGIN_ACCOUNT_MAX_FAILURES: '8',
        REGISTER_MAX_DUPLICATES_PER_IP: '3',
        REFRESH_REUSE_GRACE_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const login = (email: string, password: string, ip: string) =>
    t.http().post('/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  const register = (email: string, ip: string) =>
    t
      .http()
      .post('/v1/auth/register')
      .set('X-Forwarded-For', ip)
      .send({ email, password: 'long enough password', name: 'Someone' });
  /** 429 with Retry-After; `seconds`: the wait it started with (a slow run has used up a little of it). */
  const expectRateLimited = (res: { body: { code: string }; headers: Record<string, string> }, seconds?: number) => {
    expect(res.body.code).toBe('RATE_LIMITED');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    const retryAfter = Number(res.headers['retry-after']);
    if (seconds !== undefined) expect(retryAfter > seconds - 10 && retryAfter <= seconds).toBe(true);
  };

  describe('sign-in', () => {
    it('wrong passwords from one address make that address wait for that account; the owner signs in from elsewhere', async () => {
      const user = await signUp(t);
      const bystander = await signUp(t);
      for (let i = 0; i < 3; i++) await login(user.email, 'wrong password', '10.1.0.1').expect(401);
      // Even the right password waits there, with Retry-After.
      expectRateLimited(await login(user.email, user.password, '10.1.0.1').expect(429), 30);
      await login(user.email, user.password, '10.1.0.2').expect(200);
      // The attacker's address is not barred from other accounts yet (that takes LOGIN_IP_MAX_FAILURES).
      await login(bystander.email, bystander.password, '10.1.0.1').expect(200);
    });

    it('an address failing across accounts waits for every account; the accounts are fine from elsewhere', async () => {
      const user = await signUp(t);
      for (let i = 0; i < 6; i++)
        await login(`nobody-${unique()}@example.test`, 'wrong password', '10.2.0.1').expect(401);
      expectRateLimited(await login(`nobody-${unique()}@example.test`, 'wrong password', '10.2.0.1').expect(429));
      expectRateLimited(await login(user.email, user.password, '10.2.0.1').expect(429), 30);
      await login(user.email, user.password, '10.2.0.2').expect(200);
    });

    it('parallel guesses from one address cannot exceed the limit', async () => {
      const user = await signUp(t);
      const results = await Promise.all(
        Array.from({ length: 6 }, () => login(user.email, 'wrong password', '10.5.0.1')),
      );
      expect(results.map((res) => res.status).sort()).toEqual([401, 401, 401, 429, 429, 429]);
    });

    it("a success clears that address's count for the account", async () => {
      const user = await signUp(t);
      for (let i = 0; i < 2; i++) await login(user.email, 'wrong password', '10.3.0.1').expect(401);
      await login(user.email, user.password, '10.3.0.1').expect(200);
      for (let i = 0; i < 2; i++) await login(user.email, 'wrong password', '10.3.0.1').expect(401);
      await login(user.email, user.password, '10.3.0.1').expect(200);
    });

    it('wrong current passwords at change-password slow change-password only, not sign-in', async () => {
      const user = await signUp(t);
      const change = () =>
        t
          .http()
          .post('/v1/auth/change-password')
          .set(user.auth)
          .send({ currentPassword: 'not my password', newPassword: 'a better password' });
      for (let i = 0; i < 3; i++) await change().expect(403);
      expectRateLimited(await change().expect(429));
      await login(user.email, user.password, '10.4.0.1').expect(200);
    });
  });

  describe('an account attacked from many addresses', () => {
    it('mails the owner one unlock link; new addresses wait, known ones and the link let the owner in', async () => {
      const email = `target-${unique()}@example.test`;
      // The owner registered (and so signed in) from 10.6.0.1.
      await register(email, '10.6.0.1').expect(201);
      await sink.next(email);
      // 8 failures, 2 from each of 4 addresses: no pair or address reaches its own limit.
      for (let i = 0; i < 8; i++) await login(email, 'wrong password', `10.6.1.${i % 4}`).expect(401);
      const mail = await sink.next(email);
      expect(mail.subject).toMatch(/unlock/i);
      const { url, token } = SmtpSink.link(mail);
      expect(url.startsWith('https://app.example.test/unlock-account?token=')).toBe(true);

      // No password is tried from an address the account never signed in from, right or wrong.
      expectRateLimited(await login(email, 'long enough password', '10.6.2.1').expect(429));
      expectRateLimited(await login(email, 'wrong password', '10.6.2.2').expect(429));
      // The owner's own address still works, and signing in there does not reopen the account.
      await login(email, 'long enough password', '10.6.0.1').expect(200);
      expectRateLimited(await login(email, 'long enough password', '10.6.2.1').expect(429));
      // Crossing the limit sent one mail, not one per refusal.
      await expect(sink.next(email, 300)).rejects.toThrow(/no mail/);

      await t.http().post('/v1/auth/unlock-account').send({ token }).expect(204);
      await login(email, 'long enough password', '10.6.2.1').expect(200);
      const again = await t.http().post('/v1/auth/unlock-account').send({ token }).expect(400);
      expect(again.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'token' }] });
    });

    it('unlock-account: 400 for an unknown token or none', async () => {
      await t.http().post('/v1/auth/unlock-account').send({ token: 'not-a-real-token' }).expect(400);
      await t.http().post('/v1/auth/unlock-account').send({}).expect(400);
    });
  });

  describe('register', () => {
    it('answers 409 for taken emails only so often per address: then 429 for any email, with Retry-After', async () => {
      const taken = await signUp(t);
      for (let i = 0; i < 3; i++) {
        const res = await register(taken.email, '10.7.0.1').expect(409);
        expect(res.body.code).toBe('DUPLICATE');
      }
      expectRateLimited(await register(taken.email, '10.7.0.1').expect(429));
      // A new email gets the same 429 there: the sweep learns nothing more, and nothing is created.
      const fresh = `fresh-${unique()}@example.test`;
      expectRateLimited(await register(fresh, '10.7.0.1').expect(429));
      const rows = await t.asOwner((db) =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE email = $1', [fresh]),
      );
      expect(rows.rows[0]!.n).toBe(0);
      // Other addresses are not affected.
      await register(fresh, '10.7.0.2').expect(201);
      await register(taken.email, '10.7.0.2').expect(409);
    });

    it('successful registrations do not count', async () => {
      for (let i = 0; i < 5; i++) await register(`many-${unique()}@example.test`, '10.7.1.1').expect(201);
    });
  });

  describe('refresh reuse after the grace window', () => {
    it('a rotated token presented once REFRESH_REUSE_GRACE_SECONDS (1 s) have passed revokes the session', async () => {
      const user = await signUp(t);
      const rotated = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const replay = await t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      expect(replay.body.detail).toMatch(/revoked/);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
      await t.http().get('/v1/auth/sessions').set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(401);
    });
  });
});
