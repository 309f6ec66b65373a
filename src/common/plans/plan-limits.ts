import { Injectable } from '@nestjs/common';
import type { OrgTier } from '../../generated/prisma/enums';
import { AppException } from '../errors/app-exception';

/** What an org's tier allows; null is unlimited. Modules add their own counted resources here. */
export type LimitName = 'members' | 'apiKeys' | 'variables';

export const TIER_LIMITS: Record<OrgTier, Record<LimitName, number | null>> = {
  FREE: { members: 5, apiKeys: 2, variables: 100 },
  PRO: { members: 50, apiKeys: 20, variables: 5000 },
  ENTERPRISE: { members: null, apiKeys: null, variables: null },
};

/** The org's effective limits: its tier's, overridden per org by Organization.limits (JSON). */
export function effectiveLimits(tier: OrgTier, overrides: unknown): Record<LimitName, number | null> {
  const limits = { ...TIER_LIMITS[tier] };
  if (overrides && typeof overrides === 'object') {
    for (const [name, value] of Object.entries(overrides as Record<string, unknown>)) {
      if (name in limits && (value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 0))) {
        limits[name as LimitName] = value as number | null;
      }
    }
  }
  return limits;
}

@Injectable()
export class PlanLimits {
  /** Throws 403 PLAN_LIMIT_REACHED when adding one more would exceed the limit. */
  assertCanAdd(org: { tier: OrgTier; limits: unknown }, name: LimitName, currentCount: number): void {
    const limit = effectiveLimits(org.tier, org.limits)[name];
    if (limit !== null && currentCount >= limit) {
      throw new AppException(
        'PLAN_LIMIT_REACHED',
        `The ${org.tier} plan allows ${limit} ${name}; remove one or upgrade`,
      );
    }
  }
}
