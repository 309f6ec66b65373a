import { Injectable, type Type } from '@nestjs/common';
import type { OrgTier } from '../../generated/prisma/enums';

/** A counted resource and what each tier allows of it; null is unlimited. */
export type TierLimits = Record<OrgTier, number | null>;

/**
 * What a feature module declares about itself, in its own folder (`<name>.feature.ts`):
 * the API-key scope of its routes, the feature flag that switches it on for an org (with the
 * tiers' defaults), and its plan limits. Nothing central lists modules.
 */
export interface FeatureDefinition {
  /** Unique name, e.g. `variables`. */
  name: string;
  /** API keys need `<scope>:read` / `<scope>:write` for the module's routes that allow keys. */
  scope?: string;
  /** The flag that switches the module on; without one the module is always on. */
  flag?: { name: string; defaultByTier: Record<OrgTier, boolean> };
  /** Plan limits by limit name (unique across modules, e.g. `variables`). */
  limits?: Record<string, TierLimits>;
}

/** The module's provider for its usage: how many of each limited resource an org has now. */
export interface FeatureUsage {
  /** Counted exactly as the limit is enforced; one entry per limit the feature declares. */
  usage(orgId: string): Promise<Record<string, number>>;
}

interface RegisteredFeature {
  definition: FeatureDefinition;
  provider: Type<FeatureUsage | object>;
}

const registered = new Map<string, RegisteredFeature>();

/**
 * Declares a module's feature on its provider class (which the module lists in `providers`).
 * The declaration is registered when the class is defined, so validators and the OpenAPI
 * document see every scope; usage is counted through the provider instance.
 */
export function Feature(definition: FeatureDefinition): ClassDecorator {
  return (target) => {
    const provider = target as unknown as Type<object>;
    const clash = [...registered.values()].find(
      (other) =>
        other.provider !== provider &&
        (other.definition.name === definition.name ||
          (definition.scope && other.definition.scope === definition.scope) ||
          Object.keys(definition.limits ?? {}).some((limit) => limit in (other.definition.limits ?? {}))),
    );
    if (clash)
      throw new Error(`Feature ${definition.name} clashes with ${clash.definition.name} (name, scope or limit)`);
    registered.set(definition.name, { definition, provider });
    Injectable()(target);
  };
}

export function registeredFeatures(): RegisteredFeature[] {
  return [...registered.values()];
}

/** Every API-key scope a key may hold, e.g. `variables:read`. */
export function knownScopes(): string[] {
  return registeredFeatures()
    .flatMap(({ definition }) => (definition.scope ? [`${definition.scope}:read`, `${definition.scope}:write`] : []))
    .sort();
}

/** Every limit name the modules declare. */
export function limitNames(): string[] {
  return registeredFeatures().flatMap(({ definition }) => Object.keys(definition.limits ?? {}));
}

/** Every declared limit for an org: its tier's value, overridden by the org's own (integer ≥ 0 or null). */
export function effectiveLimits(plan: { tier: OrgTier; limits: unknown }): Record<string, number | null> {
  const overrides = asRecord(plan.limits);
  const limits: Record<string, number | null> = {};
  for (const { definition } of registeredFeatures()) {
    for (const [name, tiers] of Object.entries(definition.limits ?? {})) {
      const override = overrides[name];
      limits[name] = isLimitValue(override) ? override : tiers[plan.tier];
    }
  }
  return limits;
}

/** The org's flags: every declared flag at its tier's default, overridden (and extended) by the org's own. */
export function effectiveFlags(plan: { tier: OrgTier; featureFlags: unknown }): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const { definition } of registeredFeatures()) {
    if (definition.flag) flags[definition.flag.name] = definition.flag.defaultByTier[plan.tier];
  }
  for (const [name, value] of Object.entries(asRecord(plan.featureFlags))) {
    if (typeof value === 'boolean') flags[name] = value;
  }
  return flags;
}

export function isLimitValue(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isInteger(value) && value >= 0);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
