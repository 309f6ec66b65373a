import { connect } from 'node:net';
import { createOrg, signUp, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { itInProcess } from '../support/pair';

/** What every refusal must look like: problem+json with a code, a request id, and no echo of the input. */
function expectProblem(
  res: { status: number; headers: Record<string, string>; body: unknown; text: string },
  status: number,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['x-request-id']).toBeTruthy();
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.body).toMatchObject({ status, code: expect.any(String), requestId: res.headers['x-request-id'] });
}

/** Sends raw bytes and returns the raw answer: for requests no HTTP client would send. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('hostile input gets a clear 4xx, never a 500 (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let orgId: string;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = Number(new URL(await t.app.getUrl()).port);
    owner = await signUp(t);
    orgId = (await createOrg(t, owner)).id;
  });
  afterAll(() => t.close());

  it('JSON nested 10,000 deep, even anonymous, is 400 naming the depth', async () => {
    const deep = `{"email":"a@b.test","password":"x","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const res = await t.http().post('/v1/auth/login').set('content-type', 'application/json').send(deep);
    expectProblem(res, 400);
    expect(JSON.stringify(res.body.errors)).toContain('deeper than 32');
  });

  it('a NUL character in a body string or a query filter is 400 naming the field', async () => {
    const body = await t
      .http()
      .post(`/v1/orgs/${orgId}/variables`)
      .set(owner.auth)
      .send({ key: 'NUL_INSIDE', value: 'a\u0000b' });
    expectProblem(body, 400);
    expect(body.body.errors).toEqual([{ field: 'value', messages: [expect.stringContaining('NUL')] }]);

    const query = await t.http().get(`/v1/orgs/${orgId}/audit-logs`).query({ action: 'x\u0000y' }).set(owner.auth);
    expectProblem(query, 400);
    const search = await t.http().get(`/v1/orgs/${orgId}/variables`).query({ q: '\u0000' }).set(owner.auth);
    expectProblem(search, 400);
  });

  it('a lone surrogate (in an email, or in a key) is 400, not a validator crash', async () => {
    const email = await t
      .http()
      .post('/v1/auth/register')
      .set('content-type', 'application/json')
      .send('{"email":"\\ud800@example.test","password":"long enough password","name":"x"}');
    expectProblem(email, 400);
    expect(email.body.errors[0].field).toBe('email');
    const key = await t
      .http()
      .post('/v1/auth/login')
      .set('content-type', 'application/json')
      .send('{"email":"a@b.test","password":"x","\\udc00":1}');
    expectProblem(key, 400);
  });

  it('prototype-pollution keys are refused', async () => {
    const res = await t
      .http()
      .post('/v1/auth/login')
      .set('content-type', 'application/json')
      .send('{"email":"a@b.test","password":"x","__proto__":{"admin":true}}');
    expectProblem(res, 400);
  });

  it('explicit null for a field that cannot be empty is 400, on every PATCH', async () => {
    const variable = await t
      .http()
      .post(`/v1/orgs/${orgId}/variables`)
      .set(owner.auth)
      .send({ key: 'NULL_PROBE', value: 'v' })
      .expect(201);
    const patches: [string, Record<string, null>][] = [
      [`/v1/orgs/${orgId}/variables/${variable.body.id}`, { value: null }],
      [`/v1/orgs/${orgId}/variables/${variable.body.id}`, { key: null }],
      ['/v1/me', { name: null }],
      [`/v1/orgs/${orgId}`, { name: null }],
      [`/v1/orgs/${orgId}`, { slug: null }],
    ];
    for (const [path, body] of patches) {
      const res = await t.http().patch(path).set(owner.auth).set('If-Match', '*').send(body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      expectProblem(res, 400);
    }
    // A nullable field may still be cleared with null.
    await t
      .http()
      .patch(`/v1/orgs/${orgId}/variables/${variable.body.id}`)
      .set(owner.auth)
      .set('If-Match', '*')
      .send({ description: null })
      .expect(200);
  });

  it('bodies that are not JSON are 415: forms and text/plain', async () => {
    const form = await t
      .http()
      .post('/v1/auth/login')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send('email=a%40b.test&password=x');
    expectProblem(form, 415);
    expect(form.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const text = await t
      .http()
      .post('/v1/auth/login')
      .set('content-type', 'text/plain')
      .send('{"email":"a@b.test","password":"x"}');
    expectProblem(text, 415);
  });

  // Behind nginx, nginx answers this one itself (400).
  itInProcess('a badly percent-encoded URL is 400 problem+json that does not echo the URL', async () => {
    const res = await t.http().get('/v1/orgs/%E0%A4%A/variables/%3Cscript%3E');
    expectProblem(res, 400);
    expect(res.text).not.toContain('script');
    expect(res.text).not.toContain('%E0');
  });

  it('a path parameter over 100 characters is 414 problem+json that does not echo it', async () => {
    const long = 'x'.repeat(150);
    const res = await t.http().get(`/v1/orgs/${long}/variables`).set(owner.auth);
    expectProblem(res, 414);
    expect(res.text).not.toContain(long);
  });

  it('headers over 16 KB are 431 problem+json with a request id and security headers', async () => {
    const answer = await rawRequest(
      port,
      `GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(head).toMatch(/x-request-id: [0-9a-f-]{36}/i);
    expect(head).toMatch(/x-content-type-options: nosniff/i);
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'VALIDATION_FAILED' });
  });

  it('bytes that are not HTTP are 400 problem+json, and the server keeps serving', async () => {
    const answer = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.split('\r\n\r\n')[1])).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    await t.http().get('/health/live').expect(200);
  });
});
