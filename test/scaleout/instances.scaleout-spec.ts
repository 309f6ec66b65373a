import { setTimeout as sleep } from 'node:timers/promises';
import { forgetLimits, runningPair } from '../support/pair';
import { call, register, someIp } from './support/http';

const pair = runningPair();
const signIn = ({ email, password }: { email: string; password: string }) => ({ email, password });
const withPair = pair ? describe : describe.skip;

/**
 * Two instances (dist/main.js) on one PostgreSQL and one Redis (REDIS_URL), as two machines of
 * one deployment would run: what one of them learns about a caller holds on the other.
 */
withPair('two instances behave as one (scale-out)', () => {
  const [a, b] = pair?.instances ?? [];

  beforeAll(() => forgetLimits(pair!));

  it('a sign-in lockout earned through one instance holds on the other', async () => {
    const user = await register(a!);
    const ip = someIp();
    // LOGIN_MAX_FAILURES (5) wrong passwords for this account from this address, all through A.
    for (let i = 0; i < 5; i++) {
      const wrong = await call(a!, 'POST', '/v1/auth/login', {
        body: { email: user.email, password: 'wrong-password' },
        ip,
      });
      expect(wrong.status).toBe(401);
    }
    // B refuses even the right password from that address; alone it would have counted nothing.
    const refused = await call(b!, 'POST', '/v1/auth/login', { body: signIn(user), ip });
    expect({ status: refused.status, code: (refused.json as { code?: string }).code }).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The lockout is this address's: the owner elsewhere signs in, on either instance.
    expect((await call(b!, 'POST', '/v1/auth/login', { body: signIn(user), ip: someIp() })).status).toBe(200);
    expect((await call(a!, 'POST', '/v1/auth/login', { body: signIn(user), ip: someIp() })).status).toBe(200);
  });

  it('a logout through one instance ends the access token on the other within a second', async () => {
    const { accessToken } = await register(a!);
    expect((await call(b!, 'GET', '/v1/auth/sessions', { token: accessToken })).status).toBe(200);
    expect((await call(a!, 'POST', '/v1/auth/logout', { token: accessToken })).status).toBe(204);
    const loggedOutAt = performance.now();
    const statuses: number[] = [];
    while (performance.now() - loggedOutAt < 1000) {
      const res = await call(b!, 'GET', '/v1/auth/sessions', { token: accessToken });
      statuses.push(res.status);
      if (res.status === 401) break;
      await sleep(50);
    }
    expect(statuses.at(-1)).toBe(401);
    expect(statuses.filter((status) => status !== 200 && status !== 401)).toEqual([]);
  });

  it("a caller's request budget is counted across both instances", async () => {
    const owner = await register(a!);
    const org = await call(a!, 'POST', '/v1/orgs', { token: owner.accessToken, body: { name: 'Budget' } });
    expect(org.status).toBe(201);
    const orgId = (org.json as { id: string }).id;
    const key = await call(a!, 'POST', `/v1/orgs/${orgId}/api-keys`, {
      token: owner.accessToken,
      body: { name: 'four a minute', scopes: ['variables:read'], rateLimitPerMinute: 4 },
    });
    expect(key.status).toBe(201);
    const token = (key.json as { key: string }).key;
    const list = (base: string) => call(base, 'GET', `/v1/orgs/${orgId}/variables`, { token });
    // Two on each instance use up the key's four.
    const used = [await list(a!), await list(b!), await list(a!), await list(b!)];
    expect(used.map((res) => res.status)).toEqual([200, 200, 200, 200]);
    expect((await list(a!)).status).toBe(429);
    expect((await list(b!)).status).toBe(429);
    // And through the load balancer, whichever instance answers.
    expect((await list(pair!.url)).status).toBe(429);
  });
});
