import type { OpenAPIObject } from '@nestjs/swagger';
import { NO_REQUEST_TRANSACTION_EXTENSION } from '../auth/decorators';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PATTERN, IDEMPOTENT_REPLAYED_HEADER } from './idempotency.interceptor';

/**
 * Documents Idempotency-Key on every authenticated POST of the OpenAPI document (the
 * interceptor applies it to all of them but those without a request transaction): the header,
 * the replay marker and 422.
 */
export function documentIdempotencyKeys(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    const marked = new Set<unknown>();
    for (const operation of Object.values(item) as Record<string, unknown>[]) {
      if (!operation || typeof operation !== 'object' || !(NO_REQUEST_TRANSACTION_EXTENSION in operation)) continue;
      delete operation[NO_REQUEST_TRANSACTION_EXTENSION];
      marked.add(operation);
    }
    const post = item.post;
    if (!post?.security?.length || marked.has(post)) continue;
    post.parameters = [
      ...(post.parameters ?? []),
      {
        name: IDEMPOTENCY_KEY_HEADER,
        in: 'header',
        required: false,
        description:
          'Makes a retry safe: the first request with this key runs; for 24 hours a retry with the same key ' +
          'and body gets the first response back (marked `Idempotent-Replayed: true`) instead of running again. ' +
          'A retry while the first is still running waits for it. A failed request keeps no key.',
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_PATTERN.source },
      },
    ];
    post.responses['422'] ??= {
      description:
        'IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used for a different request (body, path or caller)',
    };
    for (const [status, response] of Object.entries(post.responses)) {
      if (!status.startsWith('2') || !response || '$ref' in response) continue;
      response.headers = {
        ...response.headers,
        [IDEMPOTENT_REPLAYED_HEADER]: {
          description: 'Present (`true`) when this is the stored response of an earlier request with the same key',
          schema: { type: 'string', enum: ['true'] },
        },
      };
    }
  }
  return document;
}
