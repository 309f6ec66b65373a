import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthRepository } from './auth.repository';
import { AuthService } from './auth.service';
import { AuthThrottle } from './auth-throttle';
import { DeferredWork } from './deferred-work';
import type { Redis } from 'ioredis';
import { REDIS } from '../../common/redis/redis.module';
import { RedisFallback } from '../../common/redis/redis-fallback';
import { LimitStore, MemoryLimitStore } from './limit-store';
import { RedisLimitStore } from './redis-limit-store';

@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    AuthRepository,
    AuthThrottle,
    DeferredWork,
    // The sign-in and mail limits count in Redis when there is one (shared by every process), else here.
    {
      provide: LimitStore,
      inject: [REDIS, RedisFallback],
      useFactory: (redis: Redis | null, fallback: RedisFallback) =>
        redis ? new RedisLimitStore(redis, new MemoryLimitStore(), fallback) : new MemoryLimitStore(),
    },
  ],
  exports: [AuthService],
})
export class AuthModule {}
