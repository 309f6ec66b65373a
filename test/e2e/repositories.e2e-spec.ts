import { orgWithEveryRole, unique, type TestUser } from '../factories';
import { startStubGit, syncEnded, type StubGit } from '../support/stub-git';
import { createTestApp, type TestApp } from '../support/test-app';

type Repo = { id: string; name: string; fullName: string; providerId: string; syncStatus: string };

describe('repositories (e2e)', () => {
  let t: TestApp;
  let stub: StubGit;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let providersBase: string;
  let github: string;
  let gitlab: string;
  let otherRepoId: string;
  const TOKEN = `tok_${unique()}${unique()}`;

  const syncProvider = async (providersUrl: string, id: string, user: TestUser) => {
    await t.http().post(`${providersUrl}/${id}/sync`).set(user.auth).expect(202);
    const done = await syncEnded(() => t.http().get(`${providersUrl}/${id}`).set(user.auth));
    expect(done.syncStatus).toBe('SYNCED');
  };
  const addProvider = async (providersUrl: string, type: string, user: TestUser) => {
    const res = await t
      .http()
      .post(providersUrl)
      .set(user.auth)
      .send({ name: `p-${unique()}`, type, serverUrl: stub.url, accessToken: TOKEN });
    expect(res.status).toBe(201);
    await syncProvider(providersUrl, res.body.id, user);
    return res.body.id as string;
  };
  const list = async (query = '', user: TestUser = world.viewer) => t.http().get(`${base}${query}`).set(user.auth);
  const names = (res: { body: { data: Repo[] } }) => res.body.data.map((r) => r.name);

  beforeAll(async () => {
    stub = await startStubGit();
    stub.tokens.add(TOKEN);
    stub.github.push(
      { id: 1, name: 'api', description: 'The API' },
      { id: 2, name: 'web', private: true },
      { id: 3, name: 'api-docs' },
    );
    stub.gitlab.push({ id: 11, name: 'infra', owner: 'ops' }, { id: 12, name: 'api-gateway', owner: 'ops' });
    t = await createTestApp({ env: { OUTBOUND_ALLOW_PRIVATE: 'true', JOBS_POLL_INTERVAL_MS: '500' } });
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/repositories`;
    providersBase = `/v1/orgs/${world.org.id}/git-providers`;
    github = await addProvider(providersBase, 'GITHUB', world.editor);
    gitlab = await addProvider(providersBase, 'GITLAB', world.editor);
    const otherProviders = `/v1/orgs/${world.otherOrg.id}/git-providers`;
    await addProvider(otherProviders, 'GITHUB', world.outsider);
    const other = await t.http().get(`/v1/orgs/${world.otherOrg.id}/repositories`).set(world.outsider.auth);
    otherRepoId = other.body.data[0].id;
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  it('lists the org’s repositories (VIEWER), oldest first, with cursor paging', async () => {
    const all = await list();
    expect(all.status).toBe(200);
    expect(names(all)).toEqual(['api', 'web', 'api-docs', 'infra', 'api-gateway']);
    expect(all.body.data.every((r: Repo) => r.syncStatus === 'SYNCED')).toBe(true);
    const first = await list('?limit=2');
    expect(names(first)).toEqual(['api', 'web']);
    const second = await list(`?limit=2&cursor=${first.body.nextCursor}`);
    expect(names(second)).toEqual(['api-docs', 'infra']);
    const third = await list(`?limit=2&cursor=${second.body.nextCursor}`);
    expect(names(third)).toEqual(['api-gateway']);
    expect(third.body.nextCursor).toBeNull();
  });

  it('filters by provider, sync status and q (name or fullName, case-insensitive)', async () => {
    expect(names(await list(`?providerId=${gitlab}`))).toEqual(['infra', 'api-gateway']);
    expect(names(await list(`?providerId=${github}&q=API`))).toEqual(['api', 'api-docs']);
    expect(names(await list('?q=ops/'))).toEqual(['infra', 'api-gateway']);
    expect(names(await list('?syncStatus=SYNCED&q=web'))).toEqual(['web']);
    expect(names(await list('?syncStatus=FAILED'))).toEqual([]);
  });

  it('400 on invalid filters and cursors; 401 without credentials', async () => {
    for (const query of ['?providerId=nope', '?syncStatus=DONE', '?q=', '?cursor=forged', '?limit=0', '?extra=1'])
      expect({ query, status: (await list(query)).status }).toEqual({ query, status: 400 });
    await t.http().get(base).expect(401);
  });

  it('reads one repository; another org’s is 404', async () => {
    const api = (await list('?q=api-docs')).body.data[0] as Repo;
    const res = await t.http().get(`${base}/${api.id}`).set(world.viewer.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: api.id,
      orgId: world.org.id,
      providerId: github,
      externalId: '3',
      name: 'api-docs',
      fullName: 'octo/api-docs',
      description: null,
      url: `${stub.url}/octo/api-docs`,
      defaultBranch: 'main',
      isPrivate: false,
      syncStatus: 'SYNCED',
      lastSyncedAt: expect.any(String),
      syncError: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await t.http().get(`${base}/${otherRepoId}`).set(world.viewer.auth)).status).toBe(404);
    expect((await t.http().get(`${base}/${otherRepoId}`).set(world.outsider.auth)).status).toBe(404);
  });

  it('deletes (EDITOR, audited); VIEWER 403; another org’s 404; the next sync brings it back', async () => {
    const web = (await list('?q=web')).body.data[0] as Repo;
    expect((await t.http().delete(`${base}/${web.id}`).set(world.viewer.auth)).status).toBe(403);
    expect((await t.http().delete(`${base}/${otherRepoId}`).set(world.editor.auth)).status).toBe(404);
    await t
      .http()
      .delete(base + '/' + web.id)
      .expect(401);
    expect((await t.http().delete(`${base}/${web.id}`).set(world.editor.auth)).status).toBe(204);
    expect((await t.http().get(`${base}/${web.id}`).set(world.viewer.auth)).status).toBe(404);
    expect((await t.http().delete(`${base}/${web.id}`).set(world.editor.auth)).status).toBe(404);
    const audit = await t.asOwner((db) =>
      db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1`, [web.id]),
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['repository.deleted']);
    expect(names(await list('?q=web'))).toEqual([]);

    await syncProvider(providersBase, github, world.editor);
    const back = (await list('?q=web')).body.data as Repo[];
    expect(back.map((r) => r.name)).toEqual(['web']);
    expect(back[0]!.id).not.toBe(web.id);
  });
});
