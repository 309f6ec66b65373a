import { Injectable } from '@nestjs/common';
import { ClsService, type ClsStore } from 'nestjs-cls';
import type { DbScope } from '../../database/db-context';
import type { MemberRole } from '../../generated/prisma/enums';
import { AppException } from '../errors/app-exception';

/** Who is calling: a signed-in user (JWT) or a service API key of one organization. */
export type Principal =
  | { kind: 'user'; userId: string; email: string; sessionId: string; platformRole: 'ADMIN' | 'USER' }
  | { kind: 'apiKey'; apiKeyId: string; orgId: string; scopes: string[]; rateLimitPerMinute: number };

export interface TenantContext {
  orgId: string;
  /** The member's role; null for an API key, which is limited by its scopes instead. */
  role: MemberRole | null;
}

export interface RequestStore extends ClsStore {
  principal?: Principal;
  tenant?: TenantContext;
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

/** Typed access to what the guards learned about the current request. */
@Injectable()
export class RequestContext {
  constructor(private readonly cls: ClsService<RequestStore>) {}

  get principal(): Principal | undefined {
    return this.cls.isActive() ? this.cls.get('principal') : undefined;
  }

  get tenant(): TenantContext | undefined {
    return this.cls.isActive() ? this.cls.get('tenant') : undefined;
  }

  /** The signed-in user's id; API keys have none. */
  get userId(): string | undefined {
    const principal = this.principal;
    return principal?.kind === 'user' ? principal.userId : undefined;
  }

  /**
   * The caller's row-level security scope in this request: its org (the route's, or the API
   * key's) and the signed-in user with their email. TenantInterceptor opens the request's
   * transaction with it; a route without one (NoRequestTransaction) opens short ones with it.
   */
  get dbScope(): DbScope {
    const principal = this.principal;
    if (principal?.kind === 'apiKey') return { orgId: principal.orgId };
    if (principal?.kind === 'user')
      return { orgId: this.tenant?.orgId, userId: principal.userId, email: principal.email };
    return {};
  }

  requireUser(): Extract<Principal, { kind: 'user' }> {
    const principal = this.principal;
    if (principal?.kind !== 'user') throw new AppException('FORBIDDEN', 'This operation needs a signed-in user');
    return principal;
  }

  get requestMeta(): { requestId?: string; ip?: string; userAgent?: string } {
    if (!this.cls.isActive()) return {};
    return { requestId: this.cls.get('requestId'), ip: this.cls.get('ip'), userAgent: this.cls.get('userAgent') };
  }
}
