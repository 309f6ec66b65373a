import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS } from '../../common/redis/redis.module';

/**
 * Redis (REDIS_URL) in the readiness answer. It never makes the server unready: without Redis the
 * limits are counted per process (RedisFallback) and every request is still served, whereas taking
 * every instance out of the load balancer at once would stop them all. `shared: false` says so.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  get configured(): boolean {
    return this.redis !== null;
  }

  async check(key: string) {
    const probe = this.indicator.check(key);
    try {
      await this.redis?.ping();
      return probe.up({ shared: true });
    } catch (error) {
      return probe.up({
        shared: false,
        message: `${(error as Error).message}; rate and sign-in limits are counted per process until Redis answers`,
      });
    }
  }
}
