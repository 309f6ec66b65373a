import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import type { RedisFallback } from '../redis/redis-fallback';

/**
 * Where RateLimitGuard counts request budgets: with Redis, there (one budget per caller across
 * every worker and instance; a fixed one-minute window) and in this process while Redis fails;
 * without it, undefined: the throttler's own in-process storage.
 */
export function throttlerStorage(redis: Redis | null, fallback: RedisFallback): ThrottlerStorage | undefined {
  if (!redis) return undefined;
  const shared = new ThrottlerStorageRedisService(redis);
  const local = new ThrottlerStorageService();
  return {
    increment: (...args) =>
      fallback.run(
        () => shared.increment(...args),
        () => local.increment(...args),
      ),
  };
}
