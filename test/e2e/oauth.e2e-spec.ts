import { createHash } from 'node:crypto';
import { KeyRing } from '../../src/common/secrets/key-ring.provider';
import { secretAad } from '../../src/common/secrets/secret-columns';
import { createOrg, signUp, unique, type TestUser } from '../factories';
import { browse, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider';
import { startStubGithubOAuth, type StubGithubOAuth } from '../support/stub-github-oauth';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, type TestApp } from '../support/test-app';

/** The API's public URL the providers redirect to (PUBLIC_API_URL); the test calls the app itself. */
const API = 'http://localhost:3999';

describe('sign in with an identity provider (e2e)', () => {
  let t: TestApp;
  let op: TestOidcProvider;
  let gh: StubGithubOAuth;
  let sink: SmtpSink;
  let returnTo: string;
  const logLines: string[] = [];
  const bodies: string[] = [];

  beforeAll(async () => {
    op = await startOidcProvider(`${API}/v1/auth/oauth/test/callback`);
    gh = await startStubGithubOAuth();
    sink = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        OUTBOUND_ALLOW_PRIVATE: 'true',
        LOG_LEVEL: 'trace',
        PUBLIC_API_URL: API,
        OIDC_PROVIDERS: JSON.stringify([
          { id: 'test', name: 'Test OP', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret },
        ]),
        AUTH_GITHUB_CLIENT_ID: gh.clientId,
        AUTH_GITHUB_CLIENT_SECRET: gh.clientSecret,
        AUTH_GITHUB_URL: gh.url,
        AUTH_GITHUB_API_URL: gh.url,
      },
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    returnTo = `${new URL(t.config.APP_URL).origin}/oauth/done?from=login`;
  });
  afterAll(async () => {
    await t.close();
    await op.close();
    await gh.close();
    await sink.stop();
  });

  const seen = <R extends { body: unknown; text?: string; headers: Record<string, string> }>(res: R): R => {
    bodies.push(JSON.stringify(res.body) + (res.text ?? '') + (res.headers.location ?? ''));
    return res;
  };
  /** A provider account of the test OP. */
  const opAccount = (claims: { email?: string; email_verified?: boolean; name?: string }) => {
    const sub = `sub-${unique()}`;
    op.accounts.set(sub, { name: 'Ada Provider', ...claims });
    return sub;
  };
  /** start (or link, with `user`): the provider's authorization URL. */
  const begin = async (provider = 'test', user?: TestUser): Promise<string> => {
    if (user) {
      const res = seen(await t.http().post(`/v1/auth/oauth/${provider}/link`).set(user.auth).send({ returnTo }));
      expect(res.status).toBe(200);
      return res.body.url;
    }
    const res = seen(await t.http().get(`/v1/auth/oauth/${provider}/start`).query({ returnTo }));
    expect(res.status).toBe(302);
    return res.headers.location!;
  };
  /** The provider's redirect to the app's callback, for `sub` signing in at the OP. */
  const atProvider = async (sub: string, user?: TestUser): Promise<URL> => {
    op.signInAs = sub;
    const callback = await browse(await begin('test', user), op.issuer);
    expect(callback.href.startsWith(`${API}/v1/auth/oauth/test/callback?`)).toBe(true);
    return callback;
  };
  /** The app's callback: where it sends the browser (returnTo with code, linked or error). */
  const callback = async (url: URL): Promise<URL> => {
    const res = seen(await t.http().get(url.pathname + url.search));
    expect(res.status).toBe(302);
    const landing = new URL(res.headers.location!);
    expect(landing.origin + landing.pathname).toBe(returnTo.split('?')[0]);
    expect(landing.searchParams.get('from')).toBe('login');
    return landing;
  };
  const exchange = async (code: string | null) => seen(await t.http().post('/v1/auth/oauth/exchange').send({ code }));
  /** The whole sign-in: the tokens answer. */
  const signIn = async (sub: string) => {
    const landing = await callback(await atProvider(sub));
    expect(landing.searchParams.get('error')).toBeNull();
    const res = await exchange(landing.searchParams.get('code'));
    expect(res.status).toBe(200);
    return res.body as { user: { id: string; email: string; emailVerified: boolean }; accessToken: string };
  };
  const usersWithEmail = async (email: string) =>
    (await t.asOwner((db) => db.query(`SELECT id FROM users WHERE email = $1`, [email]))).rows;
  const verify = (user: TestUser) =>
    t.asOwner((db) => db.query(`UPDATE users SET "emailVerifiedAt" = now() WHERE id = $1`, [user.id]));
  const bearer = (accessToken: string) => ({ Authorization: `Bearer ${accessToken}` });

  describe('providers and start', () => {
    it('lists the configured providers, without secrets', async () => {
      const res = seen(await t.http().get('/v1/auth/oauth/providers'));
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { id: 'test', name: 'Test OP', type: 'oidc' },
        { id: 'github', name: 'GitHub', type: 'github' },
      ]);
    });

    it('redirects to the provider with state, PKCE S256 and a nonce; each start is new', async () => {
      const first = new URL(await begin());
      const second = new URL(await begin());
      expect(first.origin).toBe(op.issuer);
      const params = Object.fromEntries(first.searchParams);
      expect(params).toMatchObject({
        client_id: op.clientId,
        response_type: 'code',
        redirect_uri: `${API}/v1/auth/oauth/test/callback`,
        code_challenge_method: 'S256',
        scope: 'openid email profile',
      });
      expect(params.state).toMatch(/^[\w-]{40,}$/);
      expect(params.nonce).toMatch(/^[\w-]{40,}$/);
      expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
      for (const key of ['state', 'nonce', 'code_challenge'])
        expect(second.searchParams.get(key)).not.toBe(first.searchParams.get(key));
      // Stored hashed: the state itself is nowhere in the database.
      const flows = await t.asOwner((db) =>
        db.query(`SELECT "stateHash", "encryptedCodeVerifier" FROM oauth_flows WHERE "stateHash" = $1`, [
          createHash('sha256').update(params.state!).digest('hex'),
        ]),
      );
      expect(flows.rows).toHaveLength(1);
      expect(flows.rows[0].encryptedCodeVerifier).toMatch(/^v1\./);
    });

    it('a new start deletes the flows an hour past their expiry, and only those', async () => {
      await begin();
      const flow = (state: string, expiredMinutes: number, codeExpiredMinutes: number | null) =>
        t.asOwner((db) =>
          db.query(
            `INSERT INTO oauth_flows (id, provider, "stateHash", "encryptedCodeVerifier", "returnTo", "expiresAt", "codeExpiresAt")
             SELECT gen_random_uuid(), 'test', $1, "encryptedCodeVerifier", $2,
               now() - make_interval(mins => $3), now() - make_interval(mins => $4)
             FROM oauth_flows LIMIT 1`,
            [state, returnTo, expiredMinutes, codeExpiredMinutes],
          ),
        );
      await flow('old-unused', 61, null);
      await flow('old-exchanged', 90, 61);
      await flow('code-still-recent', 90, 30);
      await flow('just-expired', 5, null);
      await begin();
      const left = await t.asOwner((db) =>
        db.query(`SELECT "stateHash" FROM oauth_flows WHERE "stateHash" IN ($1, $2, $3, $4) ORDER BY 1`, [
          'old-unused',
          'old-exchanged',
          'code-still-recent',
          'just-expired',
        ]),
      );
      expect(left.rows.map((row) => row.stateHash)).toEqual(['code-still-recent', 'just-expired']);
    });

    it('unknown provider 404; returnTo off the frontend or missing 400', async () => {
      expect((await t.http().get('/v1/auth/oauth/nope/start').query({ returnTo })).status).toBe(404);
      expect((await t.http().get('/v1/auth/oauth/NOT%20A%20ID/start').query({ returnTo })).status).toBe(404);
      for (const bad of ['https://evil.example/steal', 'javascript:alert(1)', 'not a url']) {
        const res = await t.http().get('/v1/auth/oauth/test/start').query({ returnTo: bad });
        expect({ bad, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({
          bad,
          status: 400,
          field: 'returnTo',
        });
      }
      expect((await t.http().get('/v1/auth/oauth/test/start')).status).toBe(400);
    });
  });

  describe('sign-in', () => {
    it('creates a verified user without a password, then signs the same user in again', async () => {
      const email = `new-${unique()}@example.test`;
      const sub = opAccount({ email, email_verified: true });
      const first = await signIn(sub);
      expect(first.user).toMatchObject({ email, emailVerified: true, name: 'Ada Provider' });
      const me = seen(await t.http().get('/v1/me').set(bearer(first.accessToken)));
      expect(me.status).toBe(200);
      const second = await signIn(sub);
      expect(second.user.id).toBe(first.user.id);
      expect(await usersWithEmail(email)).toHaveLength(1);
      const accounts = seen(await t.http().get('/v1/me/accounts').set(bearer(second.accessToken)));
      expect(accounts.body).toEqual([
        expect.objectContaining({ provider: 'test', providerAccountId: sub, email, login: null }),
      ]);
      expect(Object.keys(accounts.body[0]).sort()).toEqual(
        ['createdAt', 'email', 'id', 'login', 'provider', 'providerAccountId', 'updatedAt'].sort(),
      );
      // The provider's token is stored as key-ring ciphertext bound to the user.
      const stored = await t.asOwner((db) =>
        db.query(`SELECT "encryptedAccessToken" FROM accounts WHERE "providerAccountId" = $1`, [sub]),
      );
      const ciphertext = stored.rows[0].encryptedAccessToken as string;
      expect(ciphertext).toMatch(/^v1\./);
      const token = t.app.get(KeyRing).decrypt(ciphertext, secretAad('accounts.encryptedAccessToken', first.user.id));
      expect(token.length).toBeGreaterThan(10);
      providerTokens.push(token);
    });

    it('a user without a password: password sign-in fails, changing it needs a reset first', async () => {
      const email = `nopass-${unique()}@example.test`;
      const tokens = await signIn(opAccount({ email, email_verified: true }));
      const login = await t.http().post('/v1/auth/login').send({ email, password: 'anything-at-all-123' });
      expect(login.status).toBe(401);
      const change = await t
        .http()
        .post('/v1/auth/change-password')
        .set(bearer(tokens.accessToken))
        .send({ currentPassword: 'anything-at-all-123', newPassword: 'a-new-password-456' });
      expect(change.status).toBe(403);
      expect(change.body.detail).toContain('forgot-password');
    });

    it('a user without a password sets one through forgot-password, and may then unlink the provider', async () => {
      const email = `reset-${unique()}@example.test`;
      await signIn(opAccount({ email, email_verified: true }));
      await t.http().post('/v1/auth/forgot-password').send({ email }).expect(202);
      const { token } = SmtpSink.link(await sink.next(email));
      await t.http().post('/v1/auth/reset-password').send({ token, password: 'a-password-of-my-own' }).expect(204);
      const login = await t.http().post('/v1/auth/login').send({ email, password: 'a-password-of-my-own' });
      expect(login.status).toBe(200);
      const auth = bearer(login.body.accessToken);
      const [account] = (await t.http().get('/v1/me/accounts').set(auth)).body;
      // The password is a way to sign in now: the provider account is no longer the last one.
      await t.http().delete(`/v1/me/accounts/${account.id}`).set(auth).expect(204);
      expect((await t.http().post('/v1/auth/login').send({ email, password: 'a-password-of-my-own' })).status).toBe(
        200,
      );
    });

    it('links to an existing user whose email both sides verified (case aside)', async () => {
      const user = await signUp(t);
      await verify(user);
      const tokens = await signIn(opAccount({ email: user.email.toUpperCase(), email_verified: true }));
      expect(tokens.user.id).toBe(user.id);
      const accounts = await t.http().get('/v1/me/accounts').set(user.auth);
      expect(accounts.body).toHaveLength(1);
    });

    it('refuses to link to an existing user whose email Orgbase has not verified', async () => {
      const user = await signUp(t);
      const sub = opAccount({ email: user.email, email_verified: true });
      const landing = await callback(await atProvider(sub));
      expect(landing.searchParams.get('error')).toBe('email_taken_unverified');
      expect(landing.searchParams.get('code')).toBeNull();
      expect((await t.http().get('/v1/me/accounts').set(user.auth)).body).toEqual([]);
    });

    it('refuses an email the provider has not verified (no user is made)', async () => {
      const email = `unverified-${unique()}@example.test`;
      for (const claims of [{ email, email_verified: false }, { email }, {}]) {
        const landing = await callback(await atProvider(opAccount(claims)));
        expect(landing.searchParams.get('error')).toBe('email_unverified');
      }
      expect(await usersWithEmail(email)).toEqual([]);
    });

    it('the login code works once', async () => {
      const landing = await callback(
        await atProvider(opAccount({ email: `once-${unique()}@x.test`, email_verified: true })),
      );
      const code = landing.searchParams.get('code');
      expect((await exchange(code)).status).toBe(200);
      const again = await exchange(code);
      expect(again.status).toBe(400);
      expect(again.body.code).toBe('VALIDATION_FAILED');
      expect((await exchange('made-up-code')).status).toBe(400);
      expect((await t.http().post('/v1/auth/oauth/exchange').send({})).status).toBe(400);
    });

    it('a replayed callback is refused (state spent), and the provider refuses the code again', async () => {
      const url = await atProvider(opAccount({ email: `replay-${unique()}@x.test`, email_verified: true }));
      expect((await callback(url)).searchParams.get('code')).toBeTruthy();
      const replay = await callback(url);
      expect(replay.searchParams.get('error')).toBe('oauth_state_invalid');
      expect(replay.searchParams.get('code')).toBeNull();
    });

    it('an unknown or altered state is refused with a problem (no returnTo to go back to)', async () => {
      const url = await atProvider(opAccount({ email: `state-${unique()}@x.test`, email_verified: true }));
      url.searchParams.set('state', `${url.searchParams.get('state')}x`);
      const res = seen(await t.http().get(url.pathname + url.search));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors[0].field).toBe('state');
      expect((await t.http().get('/v1/auth/oauth/test/callback?code=abc')).status).toBe(400);
      // A state of another provider's flow is unknown here too.
      const gitHubStart = new URL(await begin('github'));
      const cross = await t
        .http()
        .get(`/v1/auth/oauth/test/callback?code=x&state=${gitHubStart.searchParams.get('state')}`);
      expect(cross.status).toBe(400);
    });

    it('a PKCE verifier that does not match the challenge fails the exchange', async () => {
      const url = await atProvider(opAccount({ email: `pkce-${unique()}@x.test`, email_verified: true }));
      const stateHash = createHash('sha256').update(url.searchParams.get('state')!).digest('hex');
      await t.asOwner(async (db) => {
        const { rows } = await db.query(`SELECT id FROM oauth_flows WHERE "stateHash" = $1`, [stateHash]);
        const id = rows[0].id as string;
        const forged = t.app.get(KeyRing).encrypt('x'.repeat(64), secretAad('oauth_flows.encryptedCodeVerifier', id));
        await db.query(`UPDATE oauth_flows SET "encryptedCodeVerifier" = $2 WHERE id = $1`, [id, forged]);
      });
      expect((await callback(url)).searchParams.get('error')).toBe('oauth_exchange_failed');
    });

    it('an altered code fails the exchange; a denial at the provider says so', async () => {
      const url = await atProvider(opAccount({ email: `code-${unique()}@x.test`, email_verified: true }));
      url.searchParams.set('code', `${url.searchParams.get('code')}x`);
      expect((await callback(url)).searchParams.get('error')).toBe('oauth_exchange_failed');
      const denied = new URL(await begin());
      const back = new URL(`${API}/v1/auth/oauth/test/callback`);
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('state', denied.searchParams.get('state')!);
      expect((await callback(back)).searchParams.get('error')).toBe('oauth_denied');
    });

    it('the database refuses plaintext provider tokens', async () => {
      const user = await signUp(t);
      await expect(
        t.asOwner((db) =>
          db.query(
            `INSERT INTO accounts (id, "userId", type, provider, "providerAccountId", "encryptedAccessToken", "updatedAt")
             VALUES (gen_random_uuid(), $1, 'oidc', 'test', $2, 'gho_plaintext', now())`,
            [user.id, `plain-${unique()}`],
          ),
        ),
      ).rejects.toThrow(/accounts_encryptedAccessToken_encrypted|ciphertext/);
    });
  });

  describe('linking and /v1/me/accounts', () => {
    let owner: TestUser;
    let orgId: string;
    beforeAll(async () => {
      owner = await signUp(t);
      // In an org, so their user-level events are audited.
      orgId = (await createOrg(t, owner)).id;
    });

    it('links a provider account to the signed-in user (any email), audited', async () => {
      const sub = opAccount({ email: `other-${unique()}@elsewhere.test`, email_verified: false });
      const landing = await callback(await atProvider(sub, owner));
      expect(landing.searchParams.get('linked')).toBe('test');
      expect(landing.searchParams.get('code')).toBeNull();
      const list = seen(await t.http().get('/v1/me/accounts').set(owner.auth));
      expect(list.body).toEqual([expect.objectContaining({ provider: 'test', providerAccountId: sub })]);
      const one = seen(await t.http().get(`/v1/me/accounts/${list.body[0].id}`).set(owner.auth));
      expect(one.body).toEqual(list.body[0]);
      // That provider account now signs the owner in.
      expect((await signIn(sub)).user.id).toBe(owner.id);
      const audit = await t.asOwner((db) =>
        db.query(`SELECT action, after FROM audit_logs WHERE "orgId" = $1 ORDER BY seq`, [orgId]),
      );
      expect(audit.rows.map((row) => row.action)).toEqual(expect.arrayContaining(['account.linked', 'auth.login']));
      expect(audit.rows.find((row) => row.action === 'auth.login')?.after).toEqual({ method: 'test' });
    });

    it("refuses to link a provider account someone else has; another user's account id is 404", async () => {
      const [account] = (await t.http().get('/v1/me/accounts').set(owner.auth)).body;
      const other = await signUp(t);
      const landing = await callback(await atProvider(account.providerAccountId, other));
      expect(landing.searchParams.get('error')).toBe('account_linked_elsewhere');
      expect((await t.http().get(`/v1/me/accounts/${account.id}`).set(other.auth)).status).toBe(404);
      expect((await t.http().delete(`/v1/me/accounts/${account.id}`).set(other.auth)).status).toBe(404);
      expect((await t.http().get('/v1/me/accounts/not-a-uuid').set(owner.auth)).status).toBe(404);
    });

    it('needs a signed-in caller', async () => {
      expect((await t.http().get('/v1/me/accounts')).status).toBe(401);
      expect((await t.http().get(`/v1/me/accounts/${owner.id}`)).status).toBe(401);
      expect((await t.http().delete(`/v1/me/accounts/${owner.id}`)).status).toBe(401);
      expect((await t.http().post('/v1/auth/oauth/test/link').send({ returnTo })).status).toBe(401);
    });

    it('unlinks (audited); the last way to sign in cannot be unlinked', async () => {
      const [account] = (await t.http().get('/v1/me/accounts').set(owner.auth)).body;
      const res = await t.http().delete(`/v1/me/accounts/${account.id}`).set(owner.auth);
      expect(res.status).toBe(204);
      expect((await t.http().get('/v1/me/accounts').set(owner.auth)).body).toEqual([]);
      expect((await t.http().delete(`/v1/me/accounts/${account.id}`).set(owner.auth)).status).toBe(404);
      const audit = await t.asOwner((db) =>
        db.query(`SELECT before FROM audit_logs WHERE action = 'account.unlinked' AND "resourceId" = $1`, [account.id]),
      );
      expect(audit.rows[0].before).toMatchObject({ provider: 'test', providerAccountId: account.providerAccountId });

      // A user who only ever signed in with a provider keeps that one account.
      const email = `last-${unique()}@example.test`;
      const tokens = await signIn(opAccount({ email, email_verified: true }));
      const [only] = (await t.http().get('/v1/me/accounts').set(bearer(tokens.accessToken))).body;
      const refused = await t.http().delete(`/v1/me/accounts/${only.id}`).set(bearer(tokens.accessToken));
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('LAST_SIGN_IN_METHOD');
      // With a second provider account linked, one may go.
      gh.users.set(4242, { id: 4242, login: 'lastone', name: 'Last', emails: [] });
      gh.signInAs = 4242;
      const linked = await callback(
        await browse(await begin('github', { auth: bearer(tokens.accessToken) } as TestUser), gh.url),
      );
      expect(linked.searchParams.get('linked')).toBe('github');
      expect((await t.http().delete(`/v1/me/accounts/${only.id}`).set(bearer(tokens.accessToken))).status).toBe(204);
    });
  });

  describe('GitHub', () => {
    it('signs in with the verified primary email, and refuses an unverified one', async () => {
      const id = Math.floor(Math.random() * 1e9);
      const email = `octo-${unique()}@example.test`;
      gh.users.set(id, {
        id,
        login: `octo${id}`,
        name: 'Octo Cat',
        emails: [
          { email: `public-${unique()}@example.test`, primary: false, verified: true },
          { email, primary: true, verified: true },
        ],
      });
      gh.signInAs = id;
      const landing = await callback(await browse(await begin('github'), gh.url));
      const tokens = await exchange(landing.searchParams.get('code'));
      expect(tokens.status).toBe(200);
      expect(tokens.body.user).toMatchObject({ email, emailVerified: true, name: 'Octo Cat' });
      const accounts = await t.http().get('/v1/me/accounts').set(bearer(tokens.body.accessToken));
      expect(accounts.body).toEqual([
        expect.objectContaining({ provider: 'github', providerAccountId: String(id), login: `octo${id}`, email }),
      ]);

      const other = id + 1;
      const unverified = `octo-unverified-${unique()}@example.test`;
      gh.users.set(other, {
        id: other,
        login: `octo${other}`,
        name: 'Unverified',
        emails: [{ email: unverified, primary: true, verified: false }],
      });
      gh.signInAs = other;
      const refused = await callback(await browse(await begin('github'), gh.url));
      expect(refused.searchParams.get('error')).toBe('email_unverified');
      expect(await usersWithEmail(unverified)).toEqual([]);
    });
  });

  const providerTokens: string[] = [];

  it('no provider token, client secret, verifier or session token in any URL, log line or audit entry', async () => {
    const audit = await t.asOwner((db) =>
      db.query<{ row: string }>(`SELECT row_to_json(a)::text AS row FROM audit_logs a`),
    );
    expect(logLines.length).toBeGreaterThan(20);
    const secrets = [...providerTokens, ...gh.issuedTokens, op.clientSecret, gh.clientSecret];
    expect(secrets.length).toBeGreaterThan(4);
    for (const secret of secrets) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
      expect(logLines.filter((l) => l.includes(secret))).toEqual([]);
      expect(audit.rows.filter((r) => r.row.includes(secret))).toEqual([]);
    }
    // Session tokens come only in the exchange's body, never on a redirect.
    const locations = bodies.filter((b) => b.includes('accessToken'));
    for (const body of locations) expect(body).not.toMatch(/[?&](access_?token|refresh_?token)=/i);
  });
});
