import {
  createRequesterFn,
  getMatchingRateLimiter,
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  type FormattedResponse,
  type RequestOptions,
  type ResponseBodyTypes,
} from '@gitbeaker/requester-utils';

/**
 * Gitbeaker's requester over a fetch of our choosing: the outbound policy's, which checks every
 * connection at connect time (Gitbeaker's own calls the global fetch, so a name checked before the
 * call could resolve elsewhere when it connects: DNS rebinding). Answers and errors keep
 * Gitbeaker's shapes: `{body, headers, status}`, GitbeakerRequestError with `cause.response`.
 * Unlike Gitbeaker's, it does not retry 429 and 502 itself: the sync job is retried as a whole.
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
      const request = new Request(url, { method, headers, body, signal });
      const response = await fetch(request).catch((error: Error) => {
        if (error.name === 'TimeoutError' || error.name === 'AbortError')
          throw new GitbeakerTimeoutError('Query timeout was reached');
        throw error;
      });
      if (!response.ok) {
        const description = await response.text().catch(() => '');
        throw new GitbeakerRequestError(description || response.statusText, {
          cause: { description, request, response },
        });
      }
      return formatted(response, asStream === true);
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
