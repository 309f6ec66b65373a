import { KeyRing } from '../../src/common/secrets/key-ring.provider';
import { secretAad } from '../../src/common/secrets/secret-columns';
import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { startStubGit, STUB_OAUTH_CLIENT, syncEnded, type StubGit } from '../support/stub-git';
import { createTestApp, type TestApp } from '../support/test-app';

const OAUTH_ENV = {
  GITHUB_OAUTH_CLIENT_ID: STUB_OAUTH_CLIENT.id,
  GITHUB_OAUTH_CLIENT_SECRET: STUB_OAUTH_CLIENT.secret,
  GITLAB_OAUTH_CLIENT_ID: STUB_OAUTH_CLIENT.id,
  GITLAB_OAUTH_CLIENT_SECRET: STUB_OAUTH_CLIENT.secret,
};

describe('git providers (e2e)', () => {
  let t: TestApp;
  let stub: StubGit;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  /** Every line the app logged, and every response body: no token may appear in any. */
  const logLines: string[] = [];
  const bodies: string[] = [];
  /** Every token handed to the app or issued by the stub. */
  const secrets: string[] = [];
  const secret = (label: string) => {
    const value = `${label}_${unique()}${unique()}`;
    secrets.push(value);
    return value;
  };

  beforeAll(async () => {
    stub = await startStubGit();
    t = await createTestApp({
      env: { OUTBOUND_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'trace', JOBS_POLL_INTERVAL_MS: '500', ...OAUTH_ENV },
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    world = await orgWithEveryRole(t);
    // Many providers are made below: the FREE plan's 2 would run out (the limit has its own test).
    await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'PRO' WHERE id = $1`, [world.org.id]));
    base = `/v1/orgs/${world.org.id}/git-providers`;
  });
  afterEach(() => stub.reset());
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  const seen = <R extends { body: unknown; text?: string }>(res: R): R => {
    bodies.push(JSON.stringify(res.body) + (res.text ?? ''));
    return res;
  };
  const post = async (path: string, body: object = {}, user: TestUser = world.editor) =>
    seen(await t.http().post(path).set(user.auth).send(body));
  const create = (body: Record<string, unknown> = {}, user: TestUser = world.editor, orgBase = base) =>
    post(
      orgBase,
      { name: `p-${unique()}`, type: 'GITHUB', serverUrl: stub.url, accessToken: secret('ghp'), ...body },
      user,
    );
  const get = async (id: string, user: TestUser = world.viewer) =>
    seen(await t.http().get(`${base}/${id}`).set(user.auth));
  const patch = async (id: string, body: object, user: TestUser = world.editor) =>
    seen(await t.http().patch(`${base}/${id}`).set(user.auth).send(body));
  const sync = async (id: string) => {
    const res = await post(`${base}/${id}/sync`);
    expect(res.status).toBe(202);
    expect(res.body.syncStatus).toBe('PENDING');
    return syncEnded(() => get(id));
  };
  /** A provider whose token the stub accepts. */
  const usable = async (body: Record<string, unknown> = {}) => {
    const accessToken = secret('tok');
    stub.tokens.add(accessToken);
    const res = await create({ accessToken, ...body });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, accessToken };
  };
  const stored = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ encryptedAccessToken: string; encryptedRefreshToken: string | null; tokenExpiresAt: Date | null }>(
          `SELECT "encryptedAccessToken", "encryptedRefreshToken", "tokenExpiresAt" FROM git_providers WHERE id = $1`,
          [id],
        ),
      )
    ).rows[0]!;
  const open = (sealed: string, column: 'encryptedAccessToken' | 'encryptedRefreshToken') =>
    t.app.get(KeyRing).decrypt(sealed, secretAad(`git_providers.${column}`, world.org.id));
  const repoNames = async (providerId: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ name: string }>(`SELECT name FROM repositories WHERE "providerId" = $1 ORDER BY name`, [providerId]),
      )
    ).rows.map((r) => r.name);

  describe('CRUD', () => {
    it('creates a provider (EDITOR): tokens encrypted, never returned, owner recorded, audited', async () => {
      const accessToken = secret('ghp');
      const refreshToken = secret('ghr');
      const res = await create({
        name: 'github-acme',
        displayName: 'Acme on GitHub',
        accessToken,
        refreshToken,
        expiresAt: '2030-01-01T00:00:00Z',
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        orgId: world.org.id,
        name: 'github-acme',
        displayName: 'Acme on GitHub',
        type: 'GITHUB',
        serverUrl: stub.url,
        hasRefreshToken: true,
        expiresAt: '2030-01-01T00:00:00.000Z',
        syncStatus: null,
        lastSyncedAt: null,
        syncError: null,
        repositoryCount: 0,
        createdByUserId: world.editor.id,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const row = await stored(res.body.id);
      expect(row.encryptedAccessToken).toMatch(/^v1\./);
      expect(open(row.encryptedAccessToken, 'encryptedAccessToken')).toBe(accessToken);
      expect(open(row.encryptedRefreshToken!, 'encryptedRefreshToken')).toBe(refreshToken);
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1`, [res.body.id]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['git_provider.created']);
    });

    it('400 on invalid fields and on types other than GITHUB and GITLAB', async () => {
      const res = await post(base, { name: '', type: 'BITBUCKET', expiresAt: 'tomorrow', extra: 1 });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'accessToken',
        'expiresAt',
        'extra',
        'name',
        'type',
      ]);
      for (const type of ['GITEA', 'OTHER', 'github']) expect((await create({ type })).status).toBe(400);
      expect((await create({ serverUrl: 'ftp://git.example.com' })).status).toBe(400);
      expect((await create({ accessToken: 'has space' })).status).toBe(400);
      expect((await create({ type: 'GITLAB' })).status).toBe(201);
    });

    it('422 OUTBOUND_URL_REFUSED for a serverUrl the outbound policy refuses, on create and update', async () => {
      for (const serverUrl of ['http://169.254.169.254', 'https://[fe80::1]/', 'http://0.0.0.0:8080']) {
        const res = await create({ serverUrl });
        expect({ serverUrl, status: res.status, code: res.body.code }).toEqual({
          serverUrl,
          status: 422,
          code: 'OUTBOUND_URL_REFUSED',
        });
        expect(res.body.errors[0].field).toBe('serverUrl');
      }
      const { id } = await usable();
      const res = await patch(id, { serverUrl: 'http://169.254.169.254/latest' });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].messages[0]).toContain('metadata');
    });

    it('401 without credentials, 403 for a VIEWER write, 404 for a non-member and another org’s ids', async () => {
      await t.http().post(base).send({}).expect(401);
      await t.http().get(base).expect(401);
      expect((await create({}, world.viewer)).status).toBe(403);
      expect((await create({}, world.outsider)).status).toBe(404);
      const other = await create({}, world.outsider, `/v1/orgs/${world.otherOrg.id}/git-providers`);
      expect(other.status).toBe(201);
      expect((await get(other.body.id)).status).toBe(404);
      expect((await patch(other.body.id, { displayName: 'x' })).status).toBe(404);
      expect((await t.http().delete(`${base}/${other.body.id}`).set(world.editor.auth)).status).toBe(404);
      expect((await post(`${base}/${other.body.id}/test`)).status).toBe(404);
      expect((await post(`${base}/${other.body.id}/sync`)).status).toBe(404);
      expect((await get('not-a-uuid')).status).toBe(404); // not an id: no such provider
    });

    it('409 DUPLICATE for a name taken in the org (create and rename); the same name in another org is fine', async () => {
      const name = `dup-${unique()}`;
      expect((await create({ name })).status).toBe(201);
      const again = await create({ name, type: 'GITLAB' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('DUPLICATE');
      const { id } = await usable();
      expect((await patch(id, { name })).status).toBe(409);
      expect((await create({ name }, world.outsider, `/v1/orgs/${world.otherOrg.id}/git-providers`)).status).toBe(201);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 2 providers", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const sealed = t.app.get(KeyRing).encrypt('x', secretAad('git_providers.encryptedAccessToken', org.id));
      await inOrg(t, org.id, (tx) =>
        tx.gitProvider.createMany({
          data: [0, 1].map((i) => ({
            orgId: org.id,
            name: `g${i}`,
            providerType: 'GITHUB' as const,
            encryptedAccessToken: sealed,
          })),
        }),
      );
      const res = await create({}, owner, `/v1/orgs/${org.id}/git-providers`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
      const limits = await t.http().get(`/v1/orgs/${org.id}/limits`).set(owner.auth);
      expect(JSON.stringify(limits.body)).toContain('gitProviders');
    });

    it('lists (VIEWER), filters by type, pages with a cursor', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}/git-providers`;
      expect((await create({ name: 'a' }, owner, orgBase)).status).toBe(201);
      expect((await create({ name: 'b', type: 'GITLAB' }, owner, orgBase)).status).toBe(201);
      const first = seen(await t.http().get(`${orgBase}?limit=1`).set(owner.auth));
      expect(first.body.data.map((p: { name: string }) => p.name)).toEqual(['a']);
      const second = seen(await t.http().get(`${orgBase}?limit=1&cursor=${first.body.nextCursor}`).set(owner.auth));
      expect(second.body.data.map((p: { name: string }) => p.name)).toEqual(['b']);
      expect(second.body.nextCursor).toBeNull();
      const gitlab = seen(await t.http().get(`${orgBase}?type=GITLAB`).set(owner.auth));
      expect(gitlab.body.data.map((p: { name: string }) => p.name)).toEqual(['b']);
      expect((await t.http().get(`${orgBase}?type=GITEA`).set(owner.auth)).status).toBe(400);
      const viewerList = await t.http().get(base).set(world.viewer.auth);
      expect(viewerList.status).toBe(200);
    });

    it('updates (EDITOR): renames, replaces the token, clears the refresh token; audit without secrets', async () => {
      const { id } = await usable({ refreshToken: secret('r') });
      const before = await stored(id);
      const accessToken = secret('new');
      const res = await patch(id, { displayName: 'Renamed', accessToken, refreshToken: null, expiresAt: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ displayName: 'Renamed', hasRefreshToken: false, expiresAt: null });
      const after = await stored(id);
      expect(after.encryptedAccessToken).not.toBe(before.encryptedAccessToken);
      expect(open(after.encryptedAccessToken, 'encryptedAccessToken')).toBe(accessToken);
      expect(after.encryptedRefreshToken).toBeNull();
      expect((await patch(id, { displayName: 'x' }, world.viewer)).status).toBe(403);
      expect((await patch(id, { type: 'GITLAB' })).status).toBe(400);
      expect((await patch(id, { accessToken: null })).status).toBe(400);
      const audit = await t.asOwner((db) =>
        db.query<{ before: unknown; after: unknown }>(
          `SELECT before, after FROM audit_logs WHERE "resourceId" = $1 AND action = 'git_provider.updated'`,
          [id],
        ),
      );
      expect(audit.rows).toHaveLength(1);
      expect(JSON.stringify(audit.rows)).not.toContain('encrypted');
    });

    it('deletes (EDITOR) with its repositories; VIEWER 403; then 404', async () => {
      const { id } = await usable();
      stub.github.push({ id: 1, name: 'one' });
      expect((await sync(id)).syncStatus).toBe('SYNCED');
      expect(await repoNames(id)).toEqual(['one']);
      expect((await t.http().delete(`${base}/${id}`).set(world.viewer.auth)).status).toBe(403);
      expect((await t.http().delete(`${base}/${id}`).set(world.editor.auth)).status).toBe(204);
      expect((await get(id)).status).toBe(404);
      expect(await repoNames(id)).toEqual([]);
      expect((await t.http().delete(`${base}/${id}`).set(world.editor.auth)).status).toBe(404);
    });

    it('an API key needs git:read to read and git:write to write', async () => {
      const reader = await serviceApiKey(t, world.org.id, ['git:read']);
      expect((await t.http().get(base).set(reader)).status).toBe(200);
      expect((await t.http().get(`/v1/orgs/${world.org.id}/repositories`).set(reader)).status).toBe(200);
      expect((await t.http().post(base).set(reader).send({})).status).toBe(403);
      const writer = await serviceApiKey(t, world.org.id, ['git:write']);
      const res = await t
        .http()
        .post(base)
        .set(writer)
        .send({ name: `k-${unique()}`, type: 'GITLAB', accessToken: secret('glpat') });
      expect(res.status).toBe(201);
      expect(res.body.createdByUserId).toBeNull();
    });
  });

  describe('POST …/test', () => {
    it('ok with the login for GitHub and GitLab; a rejected token or a 500 is ok: false, never a 5xx', async () => {
      const github = await usable();
      const ok = await post(`${base}/${github.id}/test`);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ ok: true, latencyMs: expect.any(Number), login: 'octo-stub' });
      expect(stub.requests.at(-1)).toMatchObject({
        path: '/api/v3/user',
        authorization: `token ${github.accessToken}`,
      });
      const gitlab = await usable({ type: 'GITLAB' });
      expect((await post(`${base}/${gitlab.id}/test`)).body).toEqual({
        ok: true,
        latencyMs: expect.any(Number),
        login: 'gl-stub',
      });
      expect(stub.requests.at(-1)).toMatchObject({
        path: '/api/v4/user',
        authorization: `Bearer ${gitlab.accessToken}`,
      });

      stub.tokens.clear();
      const rejected = await post(`${base}/${github.id}/test`);
      expect(rejected.status).toBe(200);
      expect(rejected.body).toEqual({
        ok: false,
        latencyMs: expect.any(Number),
        error: 'The provider answered 401: token rejected',
      });
      stub.failWith = 500;
      const failing = await post(`${base}/${gitlab.id}/test`);
      expect(failing.status).toBe(200);
      expect(failing.body).toMatchObject({ ok: false, error: 'The provider answered 500' });
      expect((await post(`${base}/${github.id}/test`, {}, world.viewer)).status).toBe(403);
    });
  });

  describe('POST …/sync', () => {
    it('GitHub: lists every page (Link rel="next") and upserts; a second sync applies changes without duplicates', async () => {
      const { id, accessToken } = await usable();
      for (let i = 1; i <= 5; i++)
        stub.github.push({ id: 100 + i, name: `repo-${i}`, description: `d${i}`, private: i % 2 === 0 });
      const done = await sync(id);
      expect(done).toMatchObject({ syncStatus: 'SYNCED', syncError: null, repositoryCount: 5 });
      expect(done.lastSyncedAt).not.toBeNull();
      const pages = stub.requests.filter((r) => r.path === '/api/v3/user/repos');
      expect(pages.map((r) => r.query.get('page') ?? '1')).toEqual(['1', '2', '3']);
      expect(pages.every((r) => r.authorization === `token ${accessToken}`)).toBe(true);
      const row = (
        await t.asOwner((db) =>
          db.query(`SELECT * FROM repositories WHERE "providerId" = $1 AND "externalId" = '102'`, [id]),
        )
      ).rows[0];
      expect(row).toMatchObject({
        orgId: world.org.id,
        name: 'repo-2',
        fullName: 'octo/repo-2',
        description: 'd2',
        url: `${stub.url}/octo/repo-2`,
        defaultBranch: 'main',
        isPrivate: true,
        syncStatus: 'SYNCED',
      });

      // Renamed, changed, gone, new.
      stub.github.splice(
        0,
        5,
        { id: 101, name: 'repo-1-renamed', description: 'changed', defaultBranch: 'trunk' },
        { id: 102, name: 'repo-2', private: false },
        { id: 104, name: 'repo-4' },
        { id: 106, name: 'repo-6' },
      );
      expect(await sync(id)).toMatchObject({ syncStatus: 'SYNCED', repositoryCount: 4 });
      expect(await repoNames(id)).toEqual(['repo-1-renamed', 'repo-2', 'repo-4', 'repo-6']);
      const renamed = (
        await t.asOwner((db) =>
          db.query(`SELECT * FROM repositories WHERE "providerId" = $1 AND "externalId" = '101'`, [id]),
        )
      ).rows[0];
      expect(renamed).toMatchObject({
        description: 'changed',
        defaultBranch: 'trunk',
        fullName: 'octo/repo-1-renamed',
      });
    });

    it('GitLab: follows the pages (Link and x-next-page) of the membership projects', async () => {
      const { id, accessToken } = await usable({ type: 'GITLAB' });
      for (let i = 1; i <= 3; i++)
        stub.gitlab.push({ id: 200 + i, name: `proj-${i}`, owner: 'team', private: i === 3 });
      expect(await sync(id)).toMatchObject({ syncStatus: 'SYNCED', repositoryCount: 3 });
      const pages = stub.requests.filter((r) => r.path === '/api/v4/projects');
      expect(pages).toHaveLength(2);
      expect(pages[0]!.query.get('membership')).toBe('true');
      expect(pages.every((r) => r.authorization === `Bearer ${accessToken}`)).toBe(true);
      expect(await repoNames(id)).toEqual(['proj-1', 'proj-2', 'proj-3']);
    });

    it('401 → FAILED "token rejected" (no refresh token); 500 → FAILED with the status', async () => {
      const { id } = await usable();
      stub.tokens.clear();
      expect(await sync(id)).toMatchObject({
        syncStatus: 'FAILED',
        syncError: 'The provider answered 401: token rejected',
      });
      const gitlab = await usable({ type: 'GITLAB' });
      stub.failWith = 500;
      expect(await sync(gitlab.id)).toMatchObject({ syncStatus: 'FAILED', syncError: 'The provider answered 500' });
      stub.failWith = null;
      stub.gitlab.push({ id: 1, name: 'back' });
      expect(await sync(gitlab.id)).toMatchObject({ syncStatus: 'SYNCED', syncError: null, repositoryCount: 1 });
    });

    it.each(['GITHUB', 'GITLAB'])(
      '%s: an expired token is refreshed first; the new tokens are stored encrypted, the old ones gone',
      async (type) => {
        const oldToken = secret('old');
        const refreshToken = secret('refresh');
        const newToken = secret('issued');
        secrets.push(`${refreshToken}-next`);
        stub.refreshTokens.set(refreshToken, newToken);
        const res = await create({ type, accessToken: oldToken, refreshToken, expiresAt: '2020-01-01T00:00:00Z' });
        (type === 'GITHUB' ? stub.github : stub.gitlab).push({ id: 9, name: 'after-refresh' });
        expect(await sync(res.body.id)).toMatchObject({ syncStatus: 'SYNCED', repositoryCount: 1 });
        const oauthPath = type === 'GITHUB' ? '/login/oauth/access_token' : '/oauth/token';
        const refresh = stub.requests.find((r) => r.path === oauthPath)!;
        expect(Object.fromEntries(new URLSearchParams(refresh.body))).toEqual({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: STUB_OAUTH_CLIENT.id,
          client_secret: STUB_OAUTH_CLIENT.secret,
        });
        // The expired token was never sent: the refresh came first.
        expect(stub.requests.some((r) => r.authorization?.endsWith(oldToken))).toBe(false);
        const row = await stored(res.body.id);
        expect(open(row.encryptedAccessToken, 'encryptedAccessToken')).toBe(newToken);
        expect(open(row.encryptedRefreshToken!, 'encryptedRefreshToken')).toBe(`${refreshToken}-next`);
        expect(row.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
        expect(JSON.stringify(row)).not.toContain(oldToken);
      },
    );

    it('a 401 with a refresh token refreshes and tries again; a refused refresh is FAILED', async () => {
      const refreshToken = secret('refresh');
      const newToken = secret('issued');
      secrets.push(`${refreshToken}-next`);
      stub.refreshTokens.set(refreshToken, newToken);
      const res = await create({ accessToken: secret('revoked'), refreshToken });
      stub.github.push({ id: 1, name: 'x' });
      expect(await sync(res.body.id)).toMatchObject({ syncStatus: 'SYNCED', repositoryCount: 1 });
      expect(open((await stored(res.body.id)).encryptedAccessToken, 'encryptedAccessToken')).toBe(newToken);

      const refused = await create({ accessToken: secret('revoked'), refreshToken: secret('unknown') });
      expect(await sync(refused.body.id)).toMatchObject({
        syncStatus: 'FAILED',
        syncError: 'The token refresh was refused (200: bad_refresh_token)',
      });
    });
  });

  describe('without OUTBOUND_ALLOW_PRIVATE or OAuth apps', () => {
    let strict: TestApp;
    beforeAll(async () => {
      strict = await createTestApp({
        env: { JOBS_POLL_INTERVAL_MS: '500', LOG_LEVEL: 'trace' },
        logDestination: { write: (line: string) => void logLines.push(line) },
      });
    });
    afterAll(() => strict.close());

    it('refuses a loopback serverUrl (422); an expired token without a configured OAuth app fails its sync clearly', async () => {
      const owner = await signUp(strict);
      const org = await createOrg(strict, owner);
      const orgBase = `/v1/orgs/${org.id}/git-providers`;
      const loopback = seen(
        await strict
          .http()
          .post(orgBase)
          .set(owner.auth)
          .send({ name: 'l', type: 'GITLAB', serverUrl: stub.url, accessToken: secret('t') }),
      );
      expect(loopback.status).toBe(422);
      expect(loopback.body.code).toBe('OUTBOUND_URL_REFUSED');
      expect(loopback.body.errors[0].messages[0]).toContain('loopback');

      const expired = seen(
        await strict
          .http()
          .post(orgBase)
          .set(owner.auth)
          .send({
            name: 'e',
            type: 'GITHUB',
            accessToken: secret('t'),
            refreshToken: secret('r'),
            expiresAt: '2020-01-01T00:00:00Z',
          }),
      );
      expect(expired.status).toBe(201);
      await strict.http().post(`${orgBase}/${expired.body.id}/sync`).set(owner.auth).expect(202);
      const done = await syncEnded(() => strict.http().get(`${orgBase}/${expired.body.id}`).set(owner.auth));
      expect(done).toMatchObject({
        syncStatus: 'FAILED',
        syncError: expect.stringContaining('GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_CLIENT_SECRET are not configured'),
      });
    });
  });

  it('no token in any response, log line, audit entry or job payload', async () => {
    expect(secrets.length).toBeGreaterThan(20);
    expect(logLines.join('\n')).toContain('repositories synced');
    const audit = await t.asOwner((db) =>
      db.query<{ before: unknown; after: unknown }>(`SELECT before, after FROM audit_logs WHERE "orgId" = $1`, [
        world.org.id,
      ]),
    );
    const jobs = await t.asOwner((db) =>
      db.query<{ data: unknown }>(`SELECT data FROM pgboss.job WHERE name = 'git-provider-sync'`),
    );
    expect(jobs.rows.length).toBeGreaterThan(5);
    expect(jobs.rows[0]!.data).toEqual({
      orgId: world.org.id,
      providerId: expect.any(String),
      userId: world.editor.id,
    });
    const everything = [bodies.join('\n'), logLines.join('\n'), JSON.stringify(audit.rows), JSON.stringify(jobs.rows)];
    for (const value of secrets) for (const text of everything) expect(text.includes(value) ? value : null).toBeNull();
  });
});
