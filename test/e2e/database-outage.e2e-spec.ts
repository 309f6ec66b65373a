import { createOrg, signUp, type TestUser } from '../factories';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, type TestApp } from '../support/test-app';

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

/**
 * PostgreSQL goes away under a running server (through a loopback proxy the test cuts): every
 * caller gets 503 UNAVAILABLE, signed-in users included, never 401 or 500; and the server
 * recovers by itself when the database is back.
 */
onPostgres('database outage (e2e, PostgreSQL)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let user: TestUser;
  let orgId: string;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const direct = new URL(database.url!);
    proxy = new TcpProxy(direct.hostname, Number(direct.port || 5432));
    await proxy.start();
    const proxied = new URL(direct);
    proxied.host = `127.0.0.1:${proxy.port}`;
    t = await createTestApp({ env: { DATABASE_URL: proxied.toString(), DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    user = await signUp(t);
    orgId = (await createOrg(t, user)).id;
    const key = await t
      .http()
      .post(`/v1/orgs/${orgId}/api-keys`)
      .set(user.auth)
      .send({ name: 'outage', scopes: ['variables:read'] })
      .expect(201);
    apiKey = key.body.key;
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.cut();
    await database?.drop();
  });

  it('answers 503 UNAVAILABLE to every kind of caller while the database is away, then recovers without a restart', async () => {
    await t.http().get('/v1/me').set(user.auth).expect(200);
    await proxy.cut();

    // In parallel, as they would arrive; each names its caller in the assertion.
    const calls = {
      'JWT user': t.http().get('/v1/me').set(user.auth),
      'JWT tenant route': t.http().get(`/v1/orgs/${orgId}/variables`).set(user.auth),
      'API key': t
        .http()
        .get(`/v1/orgs/${orgId}/variables`)
        .set({ Authorization: `Bearer ${apiKey}` }),
      login: t.http().post('/v1/auth/login').send({ email: user.email, password: user.password }),
      refresh: t.http().post('/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
    };
    const answers = await Promise.all(Object.values(calls));
    Object.keys(calls).forEach((caller, i) => {
      expect({ caller, status: answers[i].status, code: answers[i].body.code }).toEqual({
        caller,
        status: 503,
        code: 'UNAVAILABLE',
      });
    });
    await t.http().get('/health/ready').expect(503);

    await proxy.restore();
    await t.http().get('/health/ready').expect(200);
    const me = await t.http().get('/v1/me').set(user.auth).expect(200);
    expect(me.body.email).toBe(user.email);
  });

  it('a dropped connection (as after a restart or pg_terminate_backend) costs at most the requests in flight', async () => {
    proxy.dropConnections();
    // The pool notices the dead sockets; the next requests get fresh connections.
    const after = await Promise.all([1, 2, 3].map(() => t.http().get('/v1/me').set(user.auth)));
    for (const res of after) expect([200, 503]).toContain(res.status);
    await t.http().get('/v1/me').set(user.auth).expect(200);
  });
});
