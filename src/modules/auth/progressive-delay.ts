/**
 * Failures per key with a growing wait, for sign-in guesses: the first `free` failures cost
 * nothing; from then on the key must wait `baseMs` after its latest failure, twice that after the
 * next one, and so on up to `maxMs`. A key's failures are forgotten `maxMs` after its wait ends
 * (so one that keeps failing at the longest wait stays there, while one that stops starts over).
 *
 * In-process and bounded like SlidingWindowLimit: at most `maxKeys` keys, the least recently failed
 * dropped first; with several server processes each counts on its own (RedisLimitStore shares them).
 */
export class ProgressiveDelay {
  // Map iteration order is insertion order: re-inserting on each failure keeps it LRU-ordered.
  private readonly entries = new Map<string, { failures: number; last: number }>();

  constructor(
    private readonly free: number,
    private readonly baseMs: number,
    private readonly maxMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  waitMs(key: string): number {
    const entry = this.live(key);
    return entry ? Math.max(0, entry.last + this.delayMs(entry.failures) - this.now()) : 0;
  }

  record(key: string): void {
    const failures = (this.live(key)?.failures ?? 0) + 1;
    this.entries.delete(key);
    this.entries.set(key, { failures, last: this.now() });
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Takes back one failure (an attempt counted up front turned out to succeed). */
  forgive(key: string): void {
    const entry = this.live(key);
    if (!entry) return;
    if (entry.failures <= 1) this.entries.delete(key);
    else entry.failures -= 1;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** How many keys are tracked (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }

  private delayMs(failures: number): number {
    return failures < this.free ? 0 : Math.min(this.baseMs * 2 ** (failures - this.free), this.maxMs);
  }

  /** The key's entry, unless its wait ended `maxMs` ago or longer (then it is forgotten). */
  private live(key: string): { failures: number; last: number } | undefined {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.last >= this.delayMs(entry.failures) + this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
