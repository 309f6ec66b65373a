import { HttpStatus } from '@nestjs/common';

/** Stable error codes clients can switch on; README.md lists them. */
export const ERROR_CODES = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  PLAN_LIMIT_REACHED: HttpStatus.FORBIDDEN,
  FEATURE_DISABLED: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  DUPLICATE: HttpStatus.CONFLICT,
  /** A foreign key refused the change: other records still use this one (a RESTRICT delete). */
  IN_USE: HttpStatus.CONFLICT,
  /** The account is the last active owner of an organization (deleting it would orphan the org). */
  LAST_OWNER: HttpStatus.CONFLICT,
  /** Unlinking this provider account would leave the user no way to sign in (no password, no other account). */
  LAST_SIGN_IN_METHOD: HttpStatus.CONFLICT,
  VERSION_CONFLICT: HttpStatus.PRECONDITION_FAILED,
  PRECONDITION_REQUIRED: HttpStatus.PRECONDITION_REQUIRED,
  /** An Idempotency-Key already used for a different request (another body, path or caller). */
  IDEMPOTENCY_KEY_REUSED: HttpStatus.UNPROCESSABLE_ENTITY,
  /** A prompt's {{placeholder}} has no value, neither in the request nor among the org's variables. */
  MISSING_VARIABLE: HttpStatus.UNPROCESSABLE_ENTITY,
  /** An evaluation run cannot start: no model, no judge for SEMANTIC_ASSERT, an empty suite, nothing failed to rerun. */
  RUN_NOT_STARTABLE: HttpStatus.UNPROCESSABLE_ENTITY,
  /** The evaluation run has finished (it cannot be cancelled). */
  RUN_FINISHED: HttpStatus.CONFLICT,
  /** The evaluation run is still queued or running (it cannot be rerun yet). */
  RUN_NOT_FINISHED: HttpStatus.CONFLICT,
  /** The agent is switched off (isActive false): it cannot be executed. */
  AGENT_INACTIVE: HttpStatus.CONFLICT,
  /** Redeliver or ping on a webhook that is not active (issue 12, webhooks). */
  WEBHOOK_INACTIVE: HttpStatus.CONFLICT,
  /** The agent execution has finished (it cannot be cancelled). */
  EXECUTION_FINISHED: HttpStatus.CONFLICT,
  /** An execution's input does not satisfy its agent's input schema; `errors` names each failing path. */
  INPUT_INVALID: HttpStatus.UNPROCESSABLE_ENTITY,
  /** A URL the server would call on the client's behalf breaks the outbound (SSRF) policy; `errors` says why. */
  OUTBOUND_URL_REFUSED: HttpStatus.UNPROCESSABLE_ENTITY,
  /** A provider key that cannot be used for a model call: deactivated, or missing its base URL. */
  PROVIDER_KEY_UNUSABLE: HttpStatus.UNPROCESSABLE_ENTITY,
  /** A JSON document (canvas data) does not satisfy its JSON Schema; `errors` name the failing paths. */
  SCHEMA_VALIDATION_FAILED: HttpStatus.UNPROCESSABLE_ENTITY,
  /** A canvas model with no published version: there is no schema to follow yet. */
  MODEL_NOT_PUBLISHED: HttpStatus.CONFLICT,
  /** A PRIVATE canvas cannot be shared by link (make it LINK or ORG first). */
  NOT_SHAREABLE: HttpStatus.CONFLICT,
  /** The attachment was sent with a message: it is part of the conversation now (not deleted, not sent again). */
  ATTACHMENT_SENT: HttpStatus.CONFLICT,
  /** The model provider failed or refused the call (a chat reply); `detail` says why. */
  MODEL_CALL_FAILED: HttpStatus.BAD_GATEWAY,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  /** The route's time ran out (REQUEST_TIMEOUT_MS or its own); nothing it did was kept. */
  REQUEST_TIMEOUT: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  field: string;
  messages: string[];
}

/** A domain error that the problem-details filter turns into application/problem+json. */
export class AppException extends Error {
  readonly status: number;
  /** Whole seconds to wait before retrying; the filter sends it as Retry-After. */
  retryAfterSeconds?: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.status = ERROR_CODES[code];
  }

  static notFound(resource = 'Resource'): AppException {
    return new AppException('NOT_FOUND', `${resource} not found`);
  }

  /** 429 RATE_LIMITED with Retry-After (at least 1 s). */
  static rateLimited(detail: string, retryAfterMs: number): AppException {
    const error = new AppException('RATE_LIMITED', detail);
    error.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return error;
  }

  static forbidden(detail = 'You do not have permission to do this'): AppException {
    return new AppException('FORBIDDEN', detail);
  }
}

/** find-or-404: the row a lookup found, or 404 NOT_FOUND naming the resource (`orNotFound(row, 'Variable')`). */
export function orNotFound<T>(row: T | null | undefined, resource: string): T {
  if (row === null || row === undefined) throw AppException.notFound(resource);
  return row;
}
