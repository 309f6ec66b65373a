/**
 * Events per key in a sliding window: failed sign-ins per account, mails per address, duplicate
 * registrations per address. Once a key has `maxFailures` events within `windowMs`, it is
 * exhausted until the oldest of them leaves the window.
 *
 * In-process and bounded: each key keeps at most `maxFailures` timestamps, and at most `maxKeys`
 * keys are tracked (the least recently failed is dropped first). With several server processes
 * each counts on its own, so the effective limit multiplies: with REDIS_URL, RedisLimitStore
 * keeps the same counts in Redis instead.
 */
export class SlidingWindowLimit {
  // Map iteration order is insertion order: re-inserting on each failure keeps it LRU-ordered.
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while `key` has used up its failures in the window. */
  isExhausted(key: string): boolean {
    return this.recent(key).length >= this.maxFailures;
  }

  /** Milliseconds until `key` is no longer exhausted (its oldest event leaves the window); 0 when it is not. */
  retryAfterMs(key: string): number {
    const times = this.recent(key);
    return times.length >= this.maxFailures ? times[0]! + this.windowMs - this.now() : 0;
  }

  record(key: string): void {
    const times = this.recent(key);
    times.push(this.now());
    if (times.length > this.maxFailures) times.splice(0, times.length - this.maxFailures);
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Takes back the newest failure (an attempt counted up front turned out to succeed). */
  forgive(key: string): void {
    const times = this.recent(key);
    times.pop();
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  /** How many keys are tracked (for tests of the memory bound). */
  get size(): number {
    return this.failures.size;
  }

  /** The key's failures still inside the window; forgets the key when none are. */
  private recent(key: string): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const since = this.now() - this.windowMs;
    const live = times.filter((time) => time > since);
    if (live.length === 0) this.failures.delete(key);
    else if (live.length !== times.length) this.failures.set(key, live);
    return live;
  }
}
