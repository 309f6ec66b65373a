import { unique } from '../../factories';
import { send, type Answer } from '../../reliability/support/http-client';

export interface CallOptions {
  body?: object;
  token?: string;
  /** The client address the servers see (they trust X-Forwarded-For, as behind nginx). */
  ip?: string;
  /** Reuse open connections (by default each request opens its own). */
  keepAlive?: boolean;
}

/** One request, by default on a new connection, so that every request may land on another worker or instance. */
export function call(base: string, method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.ip) headers['x-forwarded-for'] = options.ip;
  const body = options.body && JSON.stringify(options.body);
  return send(base, { method, url, headers, body }, { keepAlive: options.keepAlive ?? false });
}

/** A distinct client address per call, so per-address counts of different tests never meet. */
export const someIp = () => `10.${rand()}.${rand()}.${rand()}`;
const rand = () => Math.floor(Math.random() * 254) + 1;

/** Registers a new account through `base`. */
export async function register(base: string): Promise<{ email: string; password: string; accessToken: string }> {
  const id = unique();
  const account = { email: `scale-${id}@example.test`, password: `password-${id}` };
  const res = await call(base, 'POST', '/v1/auth/register', {
    body: { ...account, name: `Scale ${id}` },
    ip: someIp(),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
  return { ...account, accessToken: (res.json as { accessToken: string }).accessToken };
}
