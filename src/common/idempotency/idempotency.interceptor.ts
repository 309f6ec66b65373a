import { createHash } from 'node:crypto';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DbContext } from '../../database/db-context';
import { AppException } from '../errors/app-exception';
import { InputSafetyPipe } from '../http/input-safety.pipe';
import type { Principal, RequestStore } from '../tenancy/request-context';
import { IdempotencyService, type StoredResponse } from './idempotency.service';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set on a response that was replayed from an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
/** 1 to 255 characters that any key generator uses (UUIDs, ULIDs, base64, "order-42:retry"). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:~+/=-]{1,255}$/;
const REPLAYED_HEADERS = ['location', 'etag'];
const inputSafety = new InputSafetyPipe();

/**
 * Makes an authenticated POST with an Idempotency-Key run once. Registered after the tenant
 * interceptor, so it runs inside the request's transaction: the key, the writes and the stored
 * response commit together or not at all (a failed request leaves no key; its retry runs again).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly cls: ClsService<RequestStore>,
    private readonly db: DbContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    const principal = this.cls.get('principal');
    // Anonymous routes have no key space; routes without a request transaction could not store atomically.
    if (request.method !== 'POST' || header === undefined || !principal || !this.db.inTransaction) {
      return next.handle();
    }
    const reply = http.getResponse<FastifyReply>();
    const keyed = {
      scopeId: principal.kind === 'apiKey' ? principal.orgId : (this.cls.get('tenant')?.orgId ?? principal.userId),
      key: parseKey(header),
      fingerprint: fingerprint(principal, request),
    };
    let body: unknown;
    const run = async (): Promise<StoredResponse> => {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers = Object.fromEntries(
        REPLAYED_HEADERS.flatMap((name) => {
          const value = reply.getHeader(name);
          return value === undefined ? [] : [[name, String(value)]];
        }),
      );
      return { status: reply.statusCode, headers, body: body === undefined ? null : JSON.stringify(body) };
    };
    return from(
      this.idempotency.once(keyed, run).then(({ response, replayed }) => {
        if (!replayed) return body;
        void reply.status(response.status).headers({ ...response.headers, [IDEMPOTENT_REPLAYED_HEADER]: 'true' });
        return response.body === null ? undefined : (JSON.parse(response.body) as unknown);
      }),
    );
  }
}

function parseKey(header: string | string[]): string {
  if (typeof header === 'string' && IDEMPOTENCY_KEY_PATTERN.test(header)) return header;
  throw new AppException('VALIDATION_FAILED', 'The request is not valid', [
    { field: IDEMPOTENCY_KEY_HEADER, messages: ['must be 1 to 255 characters of A-Z a-z 0-9 - _ . : ~ + / ='] },
  ]);
}

/** The caller, method, path with query and body of the request, hashed: what a retry must repeat. */
function fingerprint(principal: Principal, request: FastifyRequest): string {
  // A body the validation pipe refuses is refused here first: hashing absurd nesting would overflow.
  inputSafety.transform(request.body, { type: 'body' });
  const caller = principal.kind === 'user' ? `user:${principal.userId}` : `api_key:${principal.apiKeyId}`;
  return createHash('sha256')
    .update(JSON.stringify([caller, request.method, request.url, request.body ?? null]))
    .digest('base64url');
}
