import { applyDecorators, SetMetadata } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { MemberRole } from '../../generated/prisma/enums';

export const PUBLIC_KEY = 'orgbase:public';
export const ACCESS_KEY = 'orgbase:access';
export const NO_REQUEST_TRANSACTION_KEY = 'orgbase:no-request-transaction';

export interface AccessRule {
  /** Lowest member role allowed under /v1/orgs/{orgId}. */
  role?: MemberRole;
  /**
   * The resource name service API keys need a scope for: `<scope>:read` for GET,
   * `<scope>:write` otherwise. Without it, API keys are refused.
   */
  scope?: string;
  /** Only users with platformRole ADMIN. */
  platformAdmin?: boolean;
  /** Let the route reach a soft-deleted organization (restore). */
  allowDeletedOrg?: boolean;
}

/** Opts a route out of authentication. Everything else is denied unless it says who may call it. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * Who may call a route: one decorator for the guards' rule and the OpenAPI security entry.
 * Routes under /v1/orgs/{orgId} answer 404 to non-members and 403 to members below `role`.
 */
export function Authenticated(rule: AccessRule = {}) {
  return applyDecorators(
    SetMetadata(ACCESS_KEY, rule),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: missing, invalid or expired credentials' }),
    ApiForbiddenResponse({ description: 'FORBIDDEN: the caller lacks the role or scope' }),
    ApiNotFoundResponse({ description: 'NOT_FOUND: no such resource in an organization the caller belongs to' }),
    ApiTooManyRequestsResponse({ description: 'RATE_LIMITED' }),
  );
}

/** The handler manages its own transactions (e.g. it streams after returning). */
export const NoRequestTransaction = () => SetMetadata(NO_REQUEST_TRANSACTION_KEY, true);
