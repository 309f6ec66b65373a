import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { AppException } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { AppConfig } from '../../config/app-config';
import type { OrgTier } from '../../generated/prisma/enums';

const WINDOW_MS = 60_000;

/**
 * The per-user chat budget: messages (each one model call: a post or a regenerate) per minute,
 * by the organization's tier (CHAT_MESSAGES_PER_MINUTE_<TIER>). Counted in the request budgets'
 * storage (Redis when REDIS_URL is set, so it holds across instances), per user and organization.
 */
@Injectable()
export class ChatRateLimit {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
    private readonly features: FeatureRegistry,
  ) {}

  /** Counts one message; 429 RATE_LIMITED with Retry-After when the minute's budget is spent. */
  async take(orgId: string, userId: string): Promise<void> {
    const tier: OrgTier = (await this.features.planOf(orgId))?.tier ?? 'FREE';
    const limit = this.config[`CHAT_MESSAGES_PER_MINUTE_${tier}`];
    const hits = await this.storage.increment(`chat:${orgId}:${userId}`, WINDOW_MS, limit, WINDOW_MS, 'chat');
    if (hits.isBlocked || hits.totalHits > limit) {
      const seconds = hits.isBlocked ? hits.timeToBlockExpire : hits.timeToExpire;
      throw AppException.rateLimited(
        `The ${tier} plan allows ${limit} chat messages per minute; retry in ${seconds} s`,
        seconds * 1000,
      );
    }
  }
}
