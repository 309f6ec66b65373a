import { createOrg, memberOf, signUp, unique } from '../../factories';
import { knownScopes } from '../../../src/common/features/feature';
import type { TestApp } from '../../support/test-app';
import { send } from './http-client';
import type { LoadTarget } from './load';

/**
 * Settings for an app that one test client on one address drives hard: per-caller and per-address
 * limits would answer 429 to most requests and hide what lies behind them.
 */
export const HIGH_LIMITS_ENV = {
  RATE_LIMIT_PER_MINUTE: '10000000',
  API_KEY_RATE_LIMIT_PER_MINUTE: '10000000',
  LOGIN_MAX_FAILURES: '10000000',
  LOGIN_IP_MAX_FAILURES: '10000000',
  LOGIN_ACCOUNT_MAX_FAILURES: '10000000',
  REGISTER_MAX_DUPLICATES_PER_IP: '10000000',
};

/** An ENTERPRISE org (no plan limits) with an owner, two admins and three API keys with every scope. */
export async function loadTarget(t: TestApp, base: string): Promise<LoadTarget> {
  const owner = await signUp(t);
  const org = await createOrg(t, owner, { tier: 'ENTERPRISE' });
  const admins = await Promise.all([memberOf(t, org.id, 'ADMIN'), memberOf(t, org.id, 'ADMIN')]);
  const apiKeys: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await t
      .http()
      .post(`/v1/orgs/${org.id}/api-keys`)
      .set(owner.auth)
      .send({ name: `loader ${unique()}`, scopes: knownScopes() });
    if (res.status !== 201) throw new Error(`API key for the load: ${res.status} ${JSON.stringify(res.body)}`);
    apiKeys.push(res.body.key as string);
  }
  return { base, orgId: org.id, tokens: [owner, ...admins].map((user) => user.accessToken), apiKeys };
}

/** GET …/audit-logs/verify as the owner: the chain must hold every entry. */
export async function verifyAuditChain(target: LoadTarget): Promise<{ valid: boolean; checked: number }> {
  const res = await send(target.base, {
    method: 'GET',
    url: `/v1/orgs/${target.orgId}/audit-logs/verify`,
    headers: { authorization: `Bearer ${target.tokens[0]}` },
  });
  if (res.status !== 200) throw new Error(`audit verify: ${res.status} ${res.text}`);
  return res.json as { valid: boolean; checked: number };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
