import { applyDecorators, createParamDecorator, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiParam,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ClsServiceManager } from 'nestjs-cls';
import type { MemberRole } from '../../generated/prisma/enums';
import type { RequestStore } from '../tenancy/request-context';

export const PUBLIC_KEY = 'orgbase:public';
export const ACCESS_KEY = 'orgbase:access';
export const NO_REQUEST_TRANSACTION_KEY = 'orgbase:no-request-transaction';

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
 * Who may call a route: one decorator for the guards' rule and the OpenAPI security entry.
 * Tenant routes (`{ tenant: true, role }`) answer 404 to non-members and 403 to members below
 * `role`; every route under /v1/orgs/:orgId must be one (checked at start-up).
 */
export function Authenticated(rule: AccessRule = {}) {
  return applyDecorators(
    SetMetadata(ACCESS_KEY, rule),
    ApiBearerAuth(),
    ...(rule.tenant ? [ApiParam({ name: TENANT_PARAM, format: 'uuid', description: 'The organization' })] : []),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing, invalid or expired credentials' }),
    ApiForbiddenResponse({ description: 'FORBIDDEN: the caller lacks the role or scope' }),
    ApiNotFoundResponse({ description: 'NOT_FOUND: no such resource in an organization the caller belongs to' }),
    ApiTooManyRequestsResponse({ description: 'RATE_LIMITED' }),
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

/** The handler manages its own transactions (e.g. it streams after returning). */
export const NoRequestTransaction = () => SetMetadata(NO_REQUEST_TRANSACTION_KEY, true);
