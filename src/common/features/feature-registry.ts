import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import type { OrgTier } from '../../generated/prisma/enums';
import { AppException, orNotFound } from '../errors/app-exception';
import { effectiveFlags, effectiveLimits, registeredFeatures, type FeatureUsage } from './feature';
import { FeaturesRepository } from './features.repository';

export interface OrgPlan {
  tier: OrgTier;
  /** Per-org overrides of the tier's limits (Organization.limits). */
  limits: unknown;
  /** Per-org overrides of the tiers' default flags (Organization.featureFlags). */
  featureFlags: unknown;
}

/**
 * Reads what the feature modules declared (`@Feature`): plan limits, flags, usage. The limits
 * view, PLAN_LIMIT_REACHED, API-key scopes and FEATURE_DISABLED all come from here.
 */
@Injectable()
export class FeatureRegistry implements OnModuleInit {
  private readonly flagByController = new Map<Type, string>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    private readonly repository: FeaturesRepository,
  ) {}

  /** A flagged feature switches off every controller of the module that declares it. */
  onModuleInit(): void {
    for (const { definition, provider } of registeredFeatures()) {
      if (!definition.flag) continue;
      const host = [...this.modules.values()].find((module) => module.providers.has(provider));
      for (const controller of host?.controllers.keys() ?? []) {
        this.flagByController.set(controller as Type, definition.flag.name);
      }
    }
  }

  flagOf(controller: Type): string | undefined {
    return this.flagByController.get(controller);
  }

  /** How much of each limited resource the org uses, as each module counts it. */
  async usage(orgId: string, onlyLimit?: string): Promise<Record<string, number>> {
    const counts = await Promise.all(
      registeredFeatures()
        .filter(({ definition }) => (onlyLimit ? onlyLimit in (definition.limits ?? {}) : definition.limits))
        .map(({ provider }) => this.usageProvider(provider).usage(orgId)),
    );
    return Object.assign({}, ...counts) as Record<string, number>;
  }

  /**
   * Throws 403 PLAN_LIMIT_REACHED when one more `limit` would exceed the org's plan. Holds a
   * lock per org and limit until the transaction ends, so parallel creates cannot all pass.
   * `countUsed` replaces the module's own count where the caller knows better (a resent
   * invitation already holds its seat).
   */
  async assertCanAdd(orgId: string, limit: string, countUsed?: () => Promise<number>): Promise<void> {
    await this.lockLimit(orgId, limit);
    const plan = orNotFound(await this.repository.findPlan(orgId), 'Organization');
    const allowed = effectiveLimits(plan)[limit];
    if (allowed === undefined) throw new Error(`No feature declares the limit ${limit}`);
    if (allowed === null) return;
    const used = countUsed ? await countUsed() : ((await this.usage(orgId, limit))[limit] ?? 0);
    if (used >= allowed) {
      throw new AppException(
        'PLAN_LIMIT_REACHED',
        `The ${plan.tier} plan allows ${allowed} ${limit}; remove one or upgrade`,
      );
    }
  }

  /**
   * Takes the lock assertCanAdd takes (again is free), for callers whose own checks must see
   * everything added before them: held until the transaction ends.
   */
  lockLimit(orgId: string, limit: string): Promise<void> {
    return this.repository.lockLimit(orgId, limit);
  }

  /** Throws 403 FEATURE_DISABLED when the flag is off for the org. */
  async assertEnabled(orgId: string, flag: string): Promise<void> {
    this.assertFlagOn(await this.planOf(orgId), flag);
  }

  planOf(orgId: string): Promise<OrgPlan | null> {
    return this.repository.findPlan(orgId);
  }

  /** Throws 403 FEATURE_DISABLED when the flag is off in the plan (404 for no plan: no org). */
  assertFlagOn(found: OrgPlan | null, flag: string): void {
    const plan = orNotFound(found, 'Organization');
    if (!effectiveFlags(plan)[flag]) {
      throw new AppException('FEATURE_DISABLED', `The ${flag} feature is switched off for this organization`);
    }
  }

  private usageProvider(provider: Type<object>): FeatureUsage {
    const instance = this.moduleRef.get(provider, { strict: false }) as Partial<FeatureUsage>;
    if (typeof instance.usage !== 'function') throw new Error(`${provider.name} declares limits but has no usage()`);
    return instance as FeatureUsage;
  }
}
