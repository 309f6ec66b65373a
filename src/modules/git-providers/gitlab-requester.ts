import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRequesterFn,
  getMatchingRateLimiter,
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  type FormattedResponse,
  type RequestOptions,
  type ResponseBodyTypes,
} from '@gitbeaker/requester-utils';

/** Rate limited, or a bad gateway: worth another try after a pause (0.25, 0.5, 1 s). */
const RETRIED_STATUSES = new Set([429, 502]);
const TRIES = 4;

/**
 * Gitbeaker's requester over a fetch of our choosing: the outbound policy's, which checks every
 * connection at connect time (Gitbeaker's own calls the global fetch, so a name checked before the
 * call could resolve elsewhere when it connects: DNS rebinding). Answers and errors keep
 * Gitbeaker's shapes: `{body, headers, status}`, GitbeakerRequestError with `cause.response`.
 * Like Gitbeaker's, it tries a 429 or 502 again after a pause, though fewer times (4 tries, not 10).
 */
export function gitlabRequester(fetch: typeof globalThis.fetch) {
  return createRequesterFn(
    (_service, options) => Promise.resolve(options),
    async (endpoint, options) => {
      const { rateLimiters, asStream, prefixUrl, searchParams, method, headers, body, signal } = (options ??
        {}) as RequestOptions;
      await getMatchingRateLimiter(endpoint, rateLimiters, method)();
      const url = new URL(endpoint, prefixUrl?.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
      url.search = searchParams ?? '';
      for (let attempt = 1; ; attempt++) {
        const request = new Request(url, { method, headers, body, signal });
        const response = await fetch(request).catch((error: Error) => {
          if (error.name === 'TimeoutError' || error.name === 'AbortError')
            throw new GitbeakerTimeoutError('Query timeout was reached');
          throw error;
        });
        if (response.ok) return formatted(response, asStream === true);
        if (!RETRIED_STATUSES.has(response.status) || attempt >= TRIES) {
          const description = await response.text().catch(() => '');
          throw new GitbeakerRequestError(description || response.statusText, {
            cause: { description, request, response },
          });
        }
        await response.body?.cancel();
        await sleep(250 * 2 ** (attempt - 1), undefined, { signal });
      }
    },
  );
}

async function formatted(response: Response, asStream: boolean): Promise<FormattedResponse> {
  const headers = Object.fromEntries(response.headers.entries());
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  let body: ResponseBodyTypes;
  if (asStream) body = response.body as ResponseBodyTypes;
  else if (response.status === 204) body = null;
  else if (type === 'application/json') body = ((await response.json()) as ResponseBodyTypes) || {};
  else if (type.startsWith('text/')) body = await response.text();
  else body = await response.blob();
  return { body, headers, status: response.status };
}
