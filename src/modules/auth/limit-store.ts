import { ProgressiveDelay } from './progressive-delay';
import { SlidingWindowLimit } from './sliding-window-limit';

/** Failures with a growing wait (see ProgressiveDelay): `free` failures, then baseMs doubling up to maxMs. */
export interface DelayRule {
  name: string;
  free: number;
  baseMs: number;
  maxMs: number;
}

/** Events in a sliding window (see SlidingWindowLimit): `max` within `windowMs`. */
export interface WindowRule {
  name: string;
  max: number;
  windowMs: number;
}

export interface DelayCheck {
  rule: DelayRule;
  key: string;
}

/**
 * Where the sign-in and mail limits keep their counts: in this process (MemoryLimitStore), or in
 * Redis so that every worker and instance sees the same counts (RedisLimitStore). Each operation
 * is atomic, so parallel requests on several processes cannot slip past a limit together.
 */
export abstract class LimitStore {
  /**
   * Before a guess: while any of `checks` must wait, the longest wait in ms and nothing counted;
   * otherwise 0, with one failure counted against every key.
   */
  abstract attemptDelays(checks: readonly DelayCheck[]): Promise<number>;
  /** Takes back one failure (an attempt counted up front turned out to succeed). */
  abstract forgiveDelay(check: DelayCheck): Promise<void>;
  abstract resetDelay(check: DelayCheck): Promise<void>;

  /** Milliseconds until `key` is no longer exhausted; 0 when it is not. */
  abstract windowWaitMs(rule: WindowRule, key: string): Promise<number>;
  /** While exhausted, the wait in ms and nothing counted; otherwise 0, with the event counted. */
  abstract attemptWindow(rule: WindowRule, key: string): Promise<number>;
  /** Counts an event; true when this one exhausted the key. */
  abstract recordWindow(rule: WindowRule, key: string): Promise<boolean>;
  /** Takes back the newest event. */
  abstract forgiveWindow(rule: WindowRule, key: string): Promise<void>;
  abstract resetWindow(rule: WindowRule, key: string): Promise<void>;
}

/** Counts in this process, bounded in memory (ProgressiveDelay, SlidingWindowLimit): without REDIS_URL, or while Redis is down. */
export class MemoryLimitStore extends LimitStore {
  private readonly delays = new Map<string, ProgressiveDelay>();
  private readonly windows = new Map<string, SlidingWindowLimit>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  attemptDelays(checks: readonly DelayCheck[]): Promise<number> {
    const wait = Math.max(0, ...checks.map((check) => this.delay(check.rule).waitMs(check.key)));
    if (wait === 0) for (const check of checks) this.delay(check.rule).record(check.key);
    return Promise.resolve(wait);
  }

  forgiveDelay(check: DelayCheck): Promise<void> {
    return Promise.resolve(this.delay(check.rule).forgive(check.key));
  }

  resetDelay(check: DelayCheck): Promise<void> {
    return Promise.resolve(this.delay(check.rule).reset(check.key));
  }

  windowWaitMs(rule: WindowRule, key: string): Promise<number> {
    return Promise.resolve(this.window(rule).retryAfterMs(key));
  }

  attemptWindow(rule: WindowRule, key: string): Promise<number> {
    const wait = this.window(rule).retryAfterMs(key);
    if (wait === 0) this.window(rule).record(key);
    return Promise.resolve(wait);
  }

  recordWindow(rule: WindowRule, key: string): Promise<boolean> {
    const limit = this.window(rule);
    const wasExhausted = limit.isExhausted(key);
    limit.record(key);
    return Promise.resolve(!wasExhausted && limit.isExhausted(key));
  }

  forgiveWindow(rule: WindowRule, key: string): Promise<void> {
    return Promise.resolve(this.window(rule).forgive(key));
  }

  resetWindow(rule: WindowRule, key: string): Promise<void> {
    return Promise.resolve(this.window(rule).reset(key));
  }

  private delay(rule: DelayRule): ProgressiveDelay {
    let delay = this.delays.get(rule.name);
    if (!delay) {
      delay = new ProgressiveDelay(rule.free, rule.baseMs, rule.maxMs, undefined, this.now);
      this.delays.set(rule.name, delay);
    }
    return delay;
  }

  private window(rule: WindowRule): SlidingWindowLimit {
    let window = this.windows.get(rule.name);
    if (!window) {
      window = new SlidingWindowLimit(rule.max, rule.windowMs, undefined, this.now);
      this.windows.set(rule.name, window);
    }
    return window;
  }
}
