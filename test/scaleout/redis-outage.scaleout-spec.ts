import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { ServerProcess } from '../reliability/support/server-process';
import { call, register, someIp } from './support/http';
import { serverEnv } from './support/pair';
import { RedisServer, scaleoutMissing } from './support/services';

const withRedis = scaleoutMissing() ? describe.skip : describe;

interface Ready {
  status: string;
  info?: { redis?: { status: string; shared: boolean; message?: string } };
}

/**
 * Redis going away under a running server (dist/main.js with REDIS_URL): no request fails for it,
 * the limits fall back to this process's counts, readiness says so without taking the server out
 * of service, and the counts are shared again once Redis is back.
 */
withRedis('Redis down under a running server (scale-out)', () => {
  let database: TestDatabase;
  let redis: RedisServer;
  let server: ServerProcess;
  const ready = async () => {
    const res = await call(server.base, 'GET', '/health/ready');
    return { status: res.status, redis: (res.json as Ready).info?.redis };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await RedisServer.start();
    server = await ServerProcess.start(
      serverEnv({ DATABASE_URL: database.url!, REDIS_URL: redis.url, LOGIN_MAX_FAILURES: '3' }),
    );
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await database?.drop();
  });

  it('serves every request while Redis is down, still limiting sign-ins per process, and shares again once it is back', async () => {
    expect(await ready()).toEqual({ status: 200, redis: { status: 'up', shared: true } });
    const user = await register(server.base);

    await redis.stop();
    const ip = someIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(server.base, 'POST', '/v1/auth/login', {
        body: { email: user.email, password: 'wrong' },
        ip,
      });
      statuses.push(res.status);
    }
    // Three free failures, then the wait: counted in this process while Redis is away.
    expect(statuses).toEqual([401, 401, 401, 429]);
    expect((await call(server.base, 'GET', '/v1/orgs', { token: user.accessToken })).status).toBe(200);
    expect((await register(server.base)).accessToken).toEqual(expect.any(String));
    const degraded = await ready();
    expect(degraded).toMatchObject({ status: 200, redis: { status: 'up', shared: false } });
    expect(degraded.redis?.message).toContain('counted per process');
    expect(server.output).toContain('counting limits per process until it answers');
    expect(server.output).not.toContain('"level":50');

    await redis.start();
    let back = await ready();
    for (let i = 0; i < 50 && !back.redis?.shared; i++) {
      await sleep(100);
      back = await ready();
    }
    expect(back).toEqual({ status: 200, redis: { status: 'up', shared: true } });
    // Redis starts empty: the address's failures counted in the process are not there.
    const again = await call(server.base, 'POST', '/v1/auth/login', {
      body: { email: user.email, password: 'wrong' },
      ip,
    });
    expect(again.status).toBe(401);
    expect(server.output).toContain('Redis answers again');
  });
});
