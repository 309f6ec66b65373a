import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { ClsModule } from 'nestjs-cls';
import { DbContext } from '../database/db-context';
import { RoleGuard } from './tenancy/role.guard';
import { TenancyRepository } from './tenancy/tenancy.repository';
import { AccessCache } from './tenancy/access-cache';
import { AuthenticationGuard } from './auth/authentication.guard';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { RouteDeclarationCheck } from './tenancy/route-declarations';
import { JwtStrategy } from './auth/jwt.strategy';
import { TenantInterceptor } from './tenancy/tenant.interceptor';
import { SECRETS, secretsProvider } from './auth/secrets.provider';
import { TenantGuard } from './tenancy/tenant.guard';
import { TokenService } from './auth/token.service';
import { AuditRepository } from '../modules/audit/audit.repository';
import { AuditService } from '../modules/audit/audit.service';
import { AuditedWrites } from '../modules/audit/audited-writes';
import { RequestContext } from './tenancy/request-context';
import { FeatureFlagGuard } from './features/feature-flag.guard';
import { FeatureRegistry } from './features/feature-registry';
import { FeaturesRepository } from './features/features.repository';
import { MailService } from './mail/mail.service';
import { SecretsModule } from './secrets/secrets.module';
import { RequestTimeoutInterceptor } from './http/request-timeout';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { IdempotencyService } from './idempotency/idempotency.service';
import { REDIS, RedisModule } from './redis/redis.module';
import { RedisFallback } from './redis/redis-fallback';
import { throttlerStorage } from './auth/throttler-storage';
import { OutboundPolicy } from './outbound/outbound.service';

/**
 * Request context, the three tenancy guards (authentication → tenant → role/scope, in that
 * order, deny by default), the per-request transaction, audit and mail: what every module uses.
 */
@Global()
@Module({
  imports: [
    ClsModule.forRoot({ global: true, middleware: { mount: true } }),
    DiscoveryModule,
    PassportModule,
    SecretsModule,
    RedisModule,
    // The secret comes from SECRETS at each call (TokenService, JwtStrategy): one source of truth.
    JwtModule.register({}),
    // Request budgets (RateLimitGuard), counted in Redis when REDIS_URL is set.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS, RedisFallback],
      useFactory: (config: AppConfig, redis: Redis | null, fallback: RedisFallback) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE }],
        storage: throttlerStorage(redis, fallback),
      }),
    }),
  ],
  providers: [
    secretsProvider,
    DbContext,
    RequestContext,
    TenancyRepository,
    AccessCache,
    TokenService,
    JwtStrategy,
    AuditRepository,
    AuditService,
    AuditedWrites,
    MailService,
    RouteDeclarationCheck,
    FeaturesRepository,
    FeatureRegistry,
    IdempotencyRepository,
    IdempotencyService,
    OutboundPolicy,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: TenantGuard },
    { provide: APP_GUARD, useClass: RoleGuard },
    { provide: APP_GUARD, useClass: FeatureFlagGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    // Interceptors run in this order, each inside the one before: the deadline covers the request
    // transaction, and idempotency keys are stored inside it.
    { provide: APP_INTERCEPTOR, useClass: RequestTimeoutInterceptor },
    { provide: APP_INTERCEPTOR, useClass: TenantInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
  exports: [
    AccessCache,
    FeatureRegistry,
    DbContext,
    RequestContext,
    TokenService,
    AuditService,
    AuditedWrites,
    AuditRepository,
    MailService,
    OutboundPolicy,
    SECRETS,
  ],
})
export class CommonModule {}
