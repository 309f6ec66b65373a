import {
  createParamDecorator,
  Injectable,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { AppException } from '../errors/app-exception';

/**
 * Optimistic concurrency for versioned resources (a `version` column bumped by every update).
 * Reads answer `ETag: "<version>"`; writes send it back in `If-Match` and get 412
 * VERSION_CONFLICT when someone else wrote in between. `*` matches any version.
 */
export type ExpectedVersion = '*' | readonly number[];

const ENTITY_TAG = /^(W\/)?"(\d{1,10})"$/;

/** Parses an If-Match header: 428 when it is missing, 400 when it is not `*` or a list of ETags. */
export function parseIfMatch(header: string | string[] | undefined): ExpectedVersion {
  const value = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim();
  if (value === '') {
    throw new AppException(
      'PRECONDITION_REQUIRED',
      'This request needs If-Match: the ETag of the resource as you read it, or * to match any version',
    );
  }
  if (value === '*') return '*';
  const tags = value.split(',').map((tag) => ENTITY_TAG.exec(tag.trim()));
  if (tags.some((tag) => !tag)) {
    throw new AppException('VALIDATION_FAILED', 'If-Match must be * or ETags such as "3"', [
      { field: 'If-Match', messages: ['If-Match must be * or ETags such as "3"'] },
    ]);
  }
  // If-Match compares strongly: a weak tag (W/"3") never matches.
  return tags.filter((tag) => !tag![1]).map((tag) => Number(tag![2]));
}

/**
 * The version to write over: `current` when If-Match allows it, else 412 VERSION_CONFLICT.
 * Repositories put it in the UPDATE's WHERE, so the check and the write are one statement.
 */
export function matchVersion(current: number, expected: ExpectedVersion): number {
  if (expected === '*' || expected.includes(current)) return current;
  throw new AppException(
    'VERSION_CONFLICT',
    `The resource changed since you read it (it is at version ${current}): read it again and retry`,
  );
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The OpenAPI `headers` of a response that carries an ETag: `@ApiOkResponse({ type, headers: ETAG_HEADER })`. */
export const ETAG_HEADER = {
  ETag: { description: 'The version of the resource, quoted: send it back in If-Match', schema: { type: 'string' } },
};

/**
 * `@IfMatch()`: the handler parameter that receives the parsed If-Match header. Documents the
 * header and the 412 and 428 answers on the operation.
 */
export const IfMatch = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ExpectedVersion =>
    parseIfMatch(context.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
  [
    (target: object, key: string | symbol | undefined) => {
      const method = Object.getOwnPropertyDescriptor(target, key!)!;
      ApiHeader({
        name: 'If-Match',
        required: true,
        description: 'The ETag of the resource as last read (e.g. "3"), or * to match any version',
      })(target, key!, method);
      ApiResponse({ status: 412, description: 'VERSION_CONFLICT: If-Match does not match the current version' })(
        target,
        key!,
        method,
      );
      ApiResponse({ status: 428, description: 'PRECONDITION_REQUIRED: the If-Match header is missing' })(
        target,
        key!,
        method,
      );
    },
  ],
);

/** Sets `ETag: "<version>"` on responses whose body has a numeric `version`. */
@Injectable()
export class ETagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body: unknown) => {
        const version = (body as { version?: unknown } | null | undefined)?.version;
        if (typeof version === 'number') void reply.header('ETag', etagOf(version));
        return body;
      }),
    );
  }
}

/** On a controller or a route: its responses of versioned resources carry their ETag. */
export const SendsETag = () => UseInterceptors(ETagInterceptor);
