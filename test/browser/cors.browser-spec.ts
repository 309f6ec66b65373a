import type { Browser, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app';
import { launchChromium, servePage } from './browser';

/** What a fetch from the page saw: status, the headers scripts may read, the body. */
interface Seen {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

const READABLE = ['x-request-id', 'etag', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'location'];

/** Runs fetch inside the page, so the browser's CORS rules apply, not supertest's. */
function call(
  page: Page,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  return page.evaluate(
    async ({ url, init, readable }): Promise<Seen | { error: string }> => {
      try {
        const response = await fetch(url, {
          method: init.method ?? 'GET',
          headers: { ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...init.headers },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
        const text = await response.text();
        return {
          status: response.status,
          headers: Object.fromEntries(readable.map((name) => [name, response.headers.get(name)])),
          body: text ? JSON.parse(text) : null,
        };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url, init, readable: READABLE },
  );
}

function ok(seen: Seen | { error: string }): Seen {
  if ('error' in seen) throw new Error(`fetch failed in the browser: ${seen.error}`);
  return seen;
}

describe('a browser frontend on another origin (Chromium)', () => {
  let browser: Browser;
  let frontend: Awaited<ReturnType<typeof servePage>>;
  let stranger: Awaited<ReturnType<typeof servePage>>;
  let t: TestApp;
  let api: string;

  beforeAll(async () => {
    [frontend, stranger, browser] = await Promise.all([servePage(), servePage(), launchChromium()]);
    t = await createTestApp({ env: { CORS_ORIGINS: frontend.origin, RATE_LIMIT_PER_MINUTE: '40' } });
    await t.app.listen(0, '127.0.0.1');
    api = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await frontend?.close();
    await stranger?.close();
  });

  it('signs up, works with every method the API uses, reads the exposed headers, and is told when to retry', async () => {
    const page = await browser.newPage();
    await page.goto(frontend.origin);
    const email = `browser-${Date.now()}@example.test`;

    const registered = ok(
      await call(page, `${api}/v1/auth/register`, {
        method: 'POST',
        body: { email, password: 'correct horse battery', name: 'Browser User' },
      }),
    );
    expect(registered.status).toBe(201);
    expect(registered.headers['x-request-id']).toMatch(/.+/);
    expect(registered.headers['x-ratelimit-limit']).toBe('40');
    const auth = { Authorization: `Bearer ${(registered.body as { accessToken: string }).accessToken}` };

    const org = ok(
      await call(page, `${api}/v1/orgs`, { method: 'POST', headers: auth, body: { name: 'Browser Org' } }),
    );
    expect(org.status).toBe(201);
    const orgId = (org.body as { id: string }).id;

    // PUT, PATCH and DELETE: the methods the default CORS configuration refused.
    expect(
      ok(await call(page, `${api}/v1/me/active-org`, { method: 'PUT', headers: auth, body: { orgId } })).status,
    ).toBe(200);
    const renamed = ok(await call(page, `${api}/v1/me`, { method: 'PATCH', headers: auth, body: { name: 'Renamed' } }));
    expect(renamed.status).toBe(200);
    expect((renamed.body as { name: string }).name).toBe('Renamed');

    const variables = `${api}/v1/orgs/${orgId}/variables`;
    const created = ok(
      await call(page, variables, { method: 'POST', headers: auth, body: { key: 'GREETING', value: 'hi' } }),
    );
    expect(created.status).toBe(201);
    const variableId = (created.body as { id: string }).id;
    // If-Match is a request header the page may send; the ETag it echoes is readable.
    const ifMatch = created.headers.etag ?? '*';
    const patched = ok(
      await call(page, `${variables}/${variableId}`, {
        method: 'PATCH',
        headers: { ...auth, 'If-Match': ifMatch },
        body: { value: 'hello' },
      }),
    );
    expect(patched.status).toBe(200);
    expect((patched.body as { value: string }).value).toBe('hello');
    const deleted = ok(
      await call(page, `${variables}/${variableId}`, {
        method: 'DELETE',
        headers: { ...auth, 'If-Match': patched.headers.etag ?? '*', 'Idempotency-Key': 'delete-greeting' },
      }),
    );
    expect(deleted.status).toBe(204);

    // The budget of 40 a minute runs out; the 429 says when to retry, and the page can read it.
    let limited: Seen | undefined;
    for (let i = 0; i < 45 && !limited; i += 1) {
      const seen = ok(await call(page, `${api}/v1/me`, { headers: auth }));
      if (seen.status === 429) limited = seen;
    }
    expect(limited?.headers['retry-after']).toMatch(/^\d+$/);
    expect((limited?.body as { code: string }).code).toBe('RATE_LIMITED');
    await page.close();
  });

  it('refuses a page from an origin that is not allowed', async () => {
    const page = await browser.newPage();
    await page.goto(stranger.origin);
    const seen = await call(page, `${api}/health/live`);
    expect(seen).toEqual({ error: expect.stringContaining('Failed to fetch') });
    await page.close();
  });
});
