import { Injectable, Logger } from '@nestjs/common';

/**
 * Runs an operation on Redis and, when Redis fails (down, unreachable, too slow), the same
 * operation on this process's own counters instead. A Redis outage so weakens the limits to what
 * one process sees (as without REDIS_URL) but never fails a request: locking every user out, or
 * answering 500, because a counter store is down would be worse. The outage and the recovery are
 * logged once each.
 */
@Injectable()
export class RedisFallback {
  private readonly logger = new Logger('Redis');
  private failingSince?: number;

  /** Whether the last operation had to count in this process. */
  get degraded(): boolean {
    return this.failingSince !== undefined;
  }

  async run<T>(shared: () => Promise<T>, local: () => T | Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await shared();
    } catch (error) {
      if (this.failingSince === undefined) {
        this.failingSince = Date.now();
        this.logger.warn(`Redis failed (${(error as Error).message}); counting limits per process until it answers`);
      }
      return local();
    }
    if (this.failingSince !== undefined) {
      this.logger.warn(`Redis answers again after ${Math.round((Date.now() - this.failingSince) / 1000)} s`);
      this.failingSince = undefined;
    }
    return result;
  }
}
