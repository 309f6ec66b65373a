import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/common/redis/redis.module';
import { RedisFallback } from '../../src/common/redis/redis-fallback';
import { MemoryLimitStore, type DelayRule, type LimitStore, type WindowRule } from '../../src/modules/auth/limit-store';
import { RedisLimitStore } from '../../src/modules/auth/redis-limit-store';
import { freePort } from '../reliability/support/postgres-cluster';
import { RedisServer, scaleoutMissing } from './support/services';

const withRedis = scaleoutMissing() ? describe.skip : describe;
const MINUTE = 60_000;
const quiet = { warn: () => undefined };

/** Rethrows instead of falling back, so that what is compared is really Redis's answer. */
const noFallback = { run: <T>(shared: () => Promise<T>) => shared() };

type Operation =
  | { op: 'advance'; minutes: number }
  | { op: 'attemptDelays'; checks: { rule: number; key: string }[] }
  | { op: 'forgiveDelay' | 'resetDelay'; rule: number; key: string }
  | {
      op: 'windowWaitMs' | 'attemptWindow' | 'recordWindow' | 'forgiveWindow' | 'resetWindow';
      rule: number;
      key: string;
    };

// Every duration is whole minutes, and the clock moves in minutes: a key's remaining life in Redis
// (PEXPIRE, real time) is then either 0 or at least a minute, far longer than a run takes.
const key = fc.constantFrom('a', 'b');
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 0, max: 20 }) }),
  fc.record({
    op: fc.constant('attemptDelays' as const),
    checks: fc.uniqueArray(fc.record({ rule: fc.integer({ min: 0, max: 1 }), key }), {
      minLength: 1,
      maxLength: 3,
      selector: (check) => `${check.rule} ${check.key}`,
    }),
  }),
  fc.record({
    op: fc.constantFrom('forgiveDelay' as const, 'resetDelay' as const),
    rule: fc.integer({ min: 0, max: 1 }),
    key,
  }),
  fc.record({
    op: fc.constantFrom(
      'windowWaitMs' as const,
      'attemptWindow' as const,
      'recordWindow' as const,
      'forgiveWindow' as const,
      'resetWindow' as const,
    ),
    rule: fc.integer({ min: 0, max: 1 }),
    key,
  }),
);

async function apply(store: LimitStore, step: Operation, delays: DelayRule[], windows: WindowRule[]): Promise<unknown> {
  switch (step.op) {
    case 'advance':
      return undefined;
    case 'attemptDelays':
      return store.attemptDelays(step.checks.map((check) => ({ rule: delays[check.rule]!, key: check.key })));
    case 'forgiveDelay':
    case 'resetDelay':
      return store[step.op]({ rule: delays[step.rule]!, key: step.key });
    default:
      return store[step.op](windows[step.rule]!, step.key);
  }
}

/**
 * RedisLimitStore's Lua scripts against MemoryLimitStore (ProgressiveDelay and SlidingWindowLimit,
 * specified by their unit tests): the same operations at the same times give the same answers.
 */
withRedis('RedisLimitStore (scale-out, redis-server)', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = await connectRedis(server.url, quiet);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('answers every sequence of operations exactly as the in-memory store does', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), async (steps) => {
        run += 1;
        // Fresh names per run: nothing carries over in Redis from the run before.
        const delays: DelayRule[] = [
          { name: `${run}-d0`, free: 2, baseMs: MINUTE, maxMs: 10 * MINUTE },
          { name: `${run}-d1`, free: 3, baseMs: 2 * MINUTE, maxMs: 16 * MINUTE },
        ];
        const windows: WindowRule[] = [
          { name: `${run}-w0`, max: 3, windowMs: 5 * MINUTE },
          { name: `${run}-w1`, max: 1, windowMs: MINUTE },
        ];
        let clock = 1_000_000 * MINUTE;
        const memory = new MemoryLimitStore(() => clock);
        const shared = new RedisLimitStore(redis, new MemoryLimitStore(), noFallback, () => clock);
        for (const [index, step] of steps.entries()) {
          if (step.op === 'advance') clock += step.minutes * MINUTE;
          const expected = await apply(memory, step, delays, windows);
          const actual = await apply(shared, step, delays, windows);
          if (actual !== expected) {
            throw new Error(`step ${index} ${JSON.stringify(step)}: Redis ${actual}, memory ${expected}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('answers from this process while Redis is down, and from Redis again once it is back', async () => {
    const port = await freePort();
    const fallback = new RedisFallback();
    const down = await connectRedis(`redis://127.0.0.1:${port}`, quiet);
    const store = new RedisLimitStore(down, new MemoryLimitStore(), fallback);
    const rule: WindowRule = { name: 'outage', max: 2, windowMs: 60_000 };
    try {
      // Nothing listens: each call is answered at once, from the in-memory counts.
      expect(await store.attemptWindow(rule, 'k')).toBe(0);
      expect(await store.attemptWindow(rule, 'k')).toBe(0);
      expect(await store.attemptWindow(rule, 'k')).toBeGreaterThan(0);
      expect(fallback.degraded).toBe(true);

      const revived = await RedisServer.start(port);
      try {
        for (let i = 0; i < 50 && down.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 100));
        // Redis has no counts yet: the key starts over there, and the store says it is shared again.
        expect(await store.attemptWindow(rule, 'k')).toBe(0);
        expect(fallback.degraded).toBe(false);
      } finally {
        await revived.stop();
      }
    } finally {
      down.disconnect();
    }
  });
});
