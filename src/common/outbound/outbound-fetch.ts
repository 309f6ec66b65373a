import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import ipaddr from 'ipaddr.js';
import { addressRefusal, guardedLookup, OutboundRefusedError, type OutboundRules } from './outbound-policy';

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * A `fetch` whose connections obey the outbound policy, for the SDKs and clients that accept one
 * (`openai`, `@anthropic-ai/sdk`, octokit, …): it speaks HTTP through node:http(s) agents whose
 * `lookup` checks every address a name resolves to at connect time, and checks IP literals
 * (which skip lookup) itself. A refusal rejects with a TypeError whose `cause` is an
 * OutboundRefusedError, as fetch reports network failures.
 */
export function outboundFetch(rules: OutboundRules): typeof fetch {
  const lookup = guardedLookup(rules);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, lookup }),
    'https:': new https.Agent({ keepAlive: true, lookup }),
  };

  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new TypeError('fetch failed', {
        cause: new OutboundRefusedError(`the scheme ${url.protocol} is not allowed`),
      });
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const refused = ipaddr.isValid(host) ? addressRefusal(host, rules) : null;
    if (refused) throw new TypeError('fetch failed', { cause: new OutboundRefusedError(refused) });

    const body = ['GET', 'HEAD'].includes(request.method) ? undefined : Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    delete headers['accept-encoding']; // bodies are read as sent: ask for no compression
    if (body) headers['content-length'] = String(body.length);
    const client = url.protocol === 'https:' ? https : http;

    return new Promise<Response>((resolve, reject) => {
      const req = client.request(
        url,
        { method: request.method, headers, agent: agents[url.protocol as 'http:'], signal: request.signal },
        (res) => {
          const status = res.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
              responseHeaders.append(name, one);
          }
          const hasBody = !NULL_BODY_STATUS.has(status) && request.method !== 'HEAD';
          if (!hasBody) res.resume();
          resolve(
            new Response(hasBody ? (Readable.toWeb(res) as WebReadableStream as ReadableStream) : null, {
              status,
              statusText: res.statusMessage,
              headers: responseHeaders,
            }),
          );
        },
      );
      req.on('error', (error: Error) =>
        reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
      );
      req.end(body);
    });
  };
}
