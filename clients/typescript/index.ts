import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

/** The body of every error: switch on `code`. */
export type ProblemDetails = components['schemas']['ProblemDetails'];
export type ErrorCode = components['schemas']['ErrorCode'];

export interface OrgbaseClientOptions extends ClientOptions {
  /** Where the API is served, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An access token from `POST /v1/auth/login`, or a service API key (`ob_...`). */
  token?: string;
}

/**
 * A client typed from openapi/openapi.json: paths, parameters, bodies and responses are checked
 * by the compiler, and `error` is the ProblemDetails of the response.
 */
export function createClient({ token, headers, ...options }: OrgbaseClientOptions): Client<paths> {
  return createFetchClient<paths>({
    ...options,
    headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers,
  });
}
