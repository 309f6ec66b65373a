import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { ClsService } from 'nestjs-cls';
import type { RequestStore } from '../tenancy/request-context';
import { AppException } from '../errors/app-exception';

/** Probes (load balancers, orchestrators) are never throttled; everything else is (and documents 429). */
export function isRateLimited(path: string): boolean {
  return !(path === '/health' || path.startsWith('/health/') || path.startsWith('/health?'));
}

/**
 * Last guard: a request budget per caller per minute, across all routes. Service API keys are
 * counted by key id against their own `rateLimitPerMinute`; signed-in users by user id against
 * RATE_LIMIT_PER_MINUTE; anyone else by client IP. It runs after authentication, so the caller is known.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly cls: ClsService<RequestStore>,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(!isRateLimited(context.switchToHttp().getRequest<{ url?: string }>().url ?? ''));
  }

  protected override handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const principal = this.cls.get('principal');
    const limit = principal?.kind === 'apiKey' ? principal.rateLimitPerMinute : request.limit;
    return super.handleRequest({ ...request, limit });
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = this.cls.get('principal');
    if (principal?.kind === 'apiKey') return Promise.resolve(`key:${principal.apiKeyId}`);
    if (principal?.kind === 'user') return Promise.resolve(`user:${principal.userId}`);
    return super.getTracker(req).then((ip) => `ip:${ip}`);
  }

  /** One budget per caller, not one per route (the default key includes the handler). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return createHash('sha256').update(`${name}-${tracker}`).digest('hex');
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new AppException(
      'RATE_LIMITED',
      `Rate limit of ${detail.limit} requests per minute exceeded; retry in ${detail.timeToBlockExpire} s`,
    );
  }
}
