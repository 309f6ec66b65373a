import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisFallback } from '../../common/redis/redis-fallback';
import { LimitStore, type DelayCheck, type DelayRule, type WindowRule } from './limit-store';

// The same arithmetic as ProgressiveDelay and SlidingWindowLimit, as Lua scripts so that each
// operation is one atomic step in Redis. The time comes from the caller (ARGV[1]): every instance
// then agrees with its own in-memory fallback, and tests can drive the clock. Keys expire when
// their counts would be forgotten, which bounds Redis's memory as maxKeys bounds the process's.

/** ProgressiveDelay: a hash {f: failures, l: time of the last} per key. */
const DELAY_PRELUDE = `
local now = tonumber(ARGV[1])
local function delay(f, free, base, max)
  if f < free then return 0 end
  return math.min(base * 2 ^ (f - free), max)
end
local function rule(i)
  return tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1])
end
-- The key's failures and the time of the last; 0 once its wait ended maxMs ago (then forgotten).
local function live(key, free, base, max)
  local v = redis.call('HMGET', key, 'f', 'l')
  local f, last = tonumber(v[1]), tonumber(v[2])
  if not f then return 0, 0 end
  if now - last >= delay(f, free, base, max) + max then
    redis.call('DEL', key)
    return 0, 0
  end
  return f, last
end
local function store(key, f, last, free, base, max)
  if f <= 0 then
    redis.call('DEL', key)
    return
  end
  redis.call('HSET', key, 'f', f, 'l', last)
  redis.call('PEXPIRE', key, math.ceil(last + delay(f, free, base, max) + max - now))
end
`;

/** KEYS: every key of the attempt; ARGV: now, then free, baseMs, maxMs per key. */
const DELAY_ATTEMPT = `${DELAY_PRELUDE}
local wait = 0
for i, key in ipairs(KEYS) do
  local free, base, max = rule(i)
  local f, last = live(key, free, base, max)
  if f > 0 then wait = math.max(wait, last + delay(f, free, base, max) - now) end
end
if wait > 0 then return math.ceil(wait) end
for i, key in ipairs(KEYS) do
  local free, base, max = rule(i)
  store(key, live(key, free, base, max) + 1, now, free, base, max)
end
return 0
`;

const DELAY_FORGIVE = `${DELAY_PRELUDE}
local free, base, max = rule(1)
local f, last = live(KEYS[1], free, base, max)
if f > 0 then store(KEYS[1], f - 1, last, free, base, max) end
return 0
`;

/** SlidingWindowLimit: a sorted set of event ids scored by time. ARGV: now, max, windowMs, operation, a new event id. */
const WINDOW = `
local now, max, window, op = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local function wait()
  if count < max then return 0 end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end
local function record()
  redis.call('ZADD', key, now, ARGV[5])
  redis.call('ZREMRANGEBYRANK', key, 0, -(max + 1))
  redis.call('PEXPIRE', key, window)
end
if op == 'wait' then return wait() end
if op == 'attempt' then
  local w = wait()
  if w > 0 then return w end
  record()
  return 0
end
if op == 'record' then
  record()
  if count + 1 == max then return 1 end
  return 0
end
if op == 'forgive' then redis.call('ZPOPMAX', key) end
return 0
`;

type WindowOperation = 'wait' | 'attempt' | 'record' | 'forgive';
type Script = (keyCount: number, ...keysAndArgs: (string | number)[]) => Promise<number>;

/**
 * Counts in Redis, shared by every process on REDIS_URL. While Redis fails, each operation runs on
 * `local` instead (RedisFallback): limits per process, as without Redis, and no failed request.
 */
export class RedisLimitStore extends LimitStore {
  private readonly delayAttempt: Script;
  private readonly delayForgive: Script;
  private readonly window: Script;

  constructor(
    private readonly redis: Redis,
    private readonly local: LimitStore,
    private readonly fallback: Pick<RedisFallback, 'run'>,
    private readonly now: () => number = Date.now,
  ) {
    super();
    // defineCommand sends each script once (EVALSHA afterwards).
    redis.defineCommand('orgbaseDelayAttempt', { lua: DELAY_ATTEMPT });
    redis.defineCommand('orgbaseDelayForgive', { lua: DELAY_FORGIVE });
    redis.defineCommand('orgbaseWindow', { lua: WINDOW });
    const scripts = redis as unknown as Record<string, Script>;
    this.delayAttempt = scripts.orgbaseDelayAttempt!.bind(redis);
    this.delayForgive = scripts.orgbaseDelayForgive!.bind(redis);
    this.window = scripts.orgbaseWindow!.bind(redis);
  }

  attemptDelays(checks: readonly DelayCheck[]): Promise<number> {
    const keys = checks.map((check) => delayKey(check));
    const rules = checks.flatMap(({ rule }) => delayArgs(rule));
    return this.fallback.run(
      () => this.delayAttempt(keys.length, ...keys, this.now(), ...rules),
      () => this.local.attemptDelays(checks),
    );
  }

  async forgiveDelay(check: DelayCheck): Promise<void> {
    await this.fallback.run<unknown>(
      () => this.delayForgive(1, delayKey(check), this.now(), ...delayArgs(check.rule)),
      () => this.local.forgiveDelay(check),
    );
  }

  async resetDelay(check: DelayCheck): Promise<void> {
    await this.fallback.run<unknown>(
      () => this.redis.del(delayKey(check)),
      () => this.local.resetDelay(check),
    );
  }

  windowWaitMs(rule: WindowRule, key: string): Promise<number> {
    return this.fallback.run(
      () => this.runWindow('wait', rule, key),
      () => this.local.windowWaitMs(rule, key),
    );
  }

  attemptWindow(rule: WindowRule, key: string): Promise<number> {
    return this.fallback.run(
      () => this.runWindow('attempt', rule, key),
      () => this.local.attemptWindow(rule, key),
    );
  }

  recordWindow(rule: WindowRule, key: string): Promise<boolean> {
    return this.fallback.run(
      async () => (await this.runWindow('record', rule, key)) === 1,
      () => this.local.recordWindow(rule, key),
    );
  }

  async forgiveWindow(rule: WindowRule, key: string): Promise<void> {
    await this.fallback.run<unknown>(
      () => this.runWindow('forgive', rule, key),
      () => this.local.forgiveWindow(rule, key),
    );
  }

  async resetWindow(rule: WindowRule, key: string): Promise<void> {
    await this.fallback.run<unknown>(
      () => this.redis.del(windowKey(rule, key)),
      () => this.local.resetWindow(rule, key),
    );
  }

  private runWindow(op: WindowOperation, rule: WindowRule, key: string): Promise<number> {
    return this.window(1, windowKey(rule, key), this.now(), rule.max, rule.windowMs, op, randomUUID());
  }
}

const delayKey = ({ rule, key }: DelayCheck) => `limits:${rule.name}:${key}`;
const windowKey = (rule: WindowRule, key: string) => `limits:${rule.name}:${key}`;
const delayArgs = (rule: DelayRule) => [rule.free, rule.baseMs, rule.maxMs];
