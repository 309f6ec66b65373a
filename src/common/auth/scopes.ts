/**
 * The resources service API keys can be granted, as `<resource>:read` (GET) and
 * `<resource>:write` (other methods). A route opens itself to keys with
 * `@Authenticated({ scope: '<resource>' })`; add the resource here when a module does so.
 */
export const SCOPE_RESOURCES = ['variables', 'audit-logs'] as const;

export type ScopeResource = (typeof SCOPE_RESOURCES)[number];

/** Every scope a key may hold, e.g. `variables:read`. */
export const API_KEY_SCOPES: string[] = SCOPE_RESOURCES.flatMap((resource) => [
  `${resource}:read`,
  `${resource}:write`,
]);

export function isKnownScope(scope: string): boolean {
  return API_KEY_SCOPES.includes(scope);
}
