import { applyDecorators, createParamDecorator, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiParam } from '@nestjs/swagger';
import { ClsServiceManager } from 'nestjs-cls';
import type { MemberRole } from '../../generated/prisma/enums';
import { ApiProblem } from '../openapi/api-problem';
import type { RequestStore } from '../tenancy/request-context';
import { ROLE_RANK } from '../tenancy/roles';

export const PUBLIC_KEY = 'orgbase:public';
export const ACCESS_KEY = 'orgbase:access';
export const NO_REQUEST_TRANSACTION_KEY = 'orgbase:no-request-transaction';
export const PUBLIC_READS_CALLER_KEY = 'orgbase:public-reads-caller';

/** The path parameter that names the organization of a tenant route: `/v1/orgs/:orgId/...`. */
export const TENANT_PARAM = 'orgId';

/** A route inside one organization: the tenant guard resolves `:orgId` and checks the caller's place in it. */
export interface TenantAccessRule {
  tenant: true;
  /** Lowest member role allowed. */
  role: MemberRole;
  /**
   * The resource name service API keys need a scope for: `<scope>:read` for GET,
   * `<scope>:write` otherwise. Without it, API keys are refused.
   */
  scope?: string;
  /** A POST that changes nothing (render, evaluate): API keys need `<scope>:read` for it. */
  readOnly?: boolean;
  /** Let the route reach a soft-deleted organization (restore). */
  allowDeletedOrg?: boolean;
}

/** A route outside any organization: any signed-in user, or platform administrators only. */
export interface GlobalAccessRule {
  tenant?: false;
  /** Only users with platformRole ADMIN. */
  platformAdmin?: boolean;
}

export type AccessRule = TenantAccessRule | GlobalAccessRule;

/** Opts a route out of authentication. Everything else is denied unless it says who may call it. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * A public route that still learns who calls when credentials come with the request (they are
 * checked as anywhere else: invalid ones are a 401), for answers that depend on being signed in.
 */
export const PublicReadsCaller = () => applyDecorators(Public(), SetMetadata(PUBLIC_READS_CALLER_KEY, true));

/**
 * Where Authenticated() leaves its rule in the operation for the OpenAPI post-processor, which
 * writes the access paragraph (it needs the HTTP method for the API-key scope) and removes it.
 */
export const ACCESS_EXTENSION = 'x-orgbase-access';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** The scope an API key needs for a call: `<scope>:read` for GET/HEAD and read-only routes, `<scope>:write` otherwise; none when keys are refused. */
export function requiredScope(rule: AccessRule, method: string): string | undefined {
  if (!rule.tenant || !rule.scope) return undefined;
  return `${rule.scope}:${rule.readOnly || READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write'}`;
}

/** Who may call a route with this rule, in words (the operation's description in the OpenAPI document). */
export function describeAccess(rule: AccessRule, method: string): string {
  if (!rule.tenant) {
    const who = rule.platformAdmin ? 'Platform administrators only' : 'Any signed-in user';
    return `**Access:** ${who}. Service API keys cannot call it.`;
  }
  const roles = (Object.keys(ROLE_RANK) as MemberRole[]).filter((role) => ROLE_RANK[role] >= ROLE_RANK[rule.role]);
  const scope = requiredScope(rule, method);
  return (
    `**Access:** members of the organization with the ${rule.role} role or higher (${roles.join(', ')}); ` +
    'other members get 403, non-members 404. ' +
    (scope ? `Service API keys of the organization need the \`${scope}\` scope.` : 'Service API keys cannot call it.') +
    (rule.allowDeletedOrg ? ' Reaches a soft-deleted organization too.' : '')
  );
}

function forbiddenWhen(rule: AccessRule): string {
  if (!rule.tenant)
    return rule.platformAdmin
      ? 'the caller is not a platform administrator, or is an API key'
      : 'the caller is an API key';
  return rule.scope
    ? `the member's role is below ${rule.role}, or the API key lacks the scope`
    : `the member's role is below ${rule.role}, or the caller is an API key`;
}

/**
 * Who may call a route: one decorator for the guards' rule and the OpenAPI security entry.
 * Tenant routes (`{ tenant: true, role }`) answer 404 to non-members and 403 to members below
 * `role`; every route under /v1/orgs/:orgId must be one (checked at start-up). The OpenAPI
 * document gets the bearer scheme, the problem responses the guards give, and the rule itself.
 */
export function Authenticated(rule: AccessRule = {}) {
  return applyDecorators(
    SetMetadata(ACCESS_KEY, rule),
    ApiBearerAuth(),
    ApiExtension(ACCESS_EXTENSION, { ...rule }),
    ApiProblem('UNAUTHENTICATED', 'missing, invalid or expired credentials'),
    ApiProblem('FORBIDDEN', forbiddenWhen(rule)),
    ...(rule.tenant
      ? [
          ApiParam({ name: TENANT_PARAM, type: 'string', format: 'uuid', description: 'The organization' }),
          ApiProblem('NOT_FOUND', "no such organization among the caller's"),
        ]
      : []),
  );
}

/**
 * The organization the tenant guard resolved for this request (lower-case UUID). Handlers pass
 * this, never the raw path string, to services and repositories.
 */
export const OrgId = createParamDecorator((): string => {
  const tenant = ClsServiceManager.getClsService<RequestStore>().get('tenant');
  // Only reachable on a route that was not declared `tenant: true`: the start-up check prevents it.
  if (!tenant) throw new Error('@OrgId() used on a route without a resolved tenant');
  return tenant.orgId;
});

/** Marks in the OpenAPI document an operation without a request transaction: Idempotency-Key does not apply to it. */
export const NO_REQUEST_TRANSACTION_EXTENSION = 'x-orgbase-no-request-transaction';

/**
 * The handler manages its own transactions (e.g. it streams after returning). Idempotency-Key,
 * stored in the request's transaction, is ignored on such a route (and not documented on it).
 */
export const NoRequestTransaction = () =>
  applyDecorators(SetMetadata(NO_REQUEST_TRANSACTION_KEY, true), ApiExtension(NO_REQUEST_TRANSACTION_EXTENSION, true));
