import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { RedisFallback } from './redis-fallback';

/** The Redis client from REDIS_URL, or null without it: inject with `@Inject(REDIS)`. */
export const REDIS = Symbol('REDIS');

/** Every key the server writes starts with this, so one Redis can serve other things too. */
export const REDIS_KEY_PREFIX = 'orgbase:';
/** How long the server waits for Redis at start before serving anyway (counting per process meanwhile). */
const READY_WAIT_MS = 3000;

/**
 * A Redis that is down or slow must cost a request no more than a moment: commands fail at once
 * while disconnected (no offline queue) and after a second when it does not answer; the callers
 * then count in this process (RedisFallback). The client keeps reconnecting in the background.
 */
export async function connectRedis(url: string, logger: Pick<Logger, 'warn'>): Promise<Redis> {
  const redis = new Redis(url, {
    keyPrefix: REDIS_KEY_PREFIX,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Without a listener ioredis prints every failed reconnect; RedisFallback reports outages instead.
  redis.on('error', () => undefined);
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_WAIT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!ready) logger.warn(`Redis at REDIS_URL does not answer yet; limits are counted per process until it does`);
  return redis;
}

class RedisConnection implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

/** Redis for state that several server processes share (rate limits, sign-in limits). Optional: REDIS_URL. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.REDIS_URL ? connectRedis(config.REDIS_URL, new Logger('Redis')) : null,
    },
    RedisFallback,
    RedisConnection,
  ],
  exports: [REDIS, RedisFallback],
})
export class RedisModule {}
