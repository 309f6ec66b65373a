import { orgWithEveryRole } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Every list of the live OpenAPI document that takes a cursor answers a forged one with 400
 * VALIDATION_FAILED, never a 500: cursors go through one typed decoder before any query.
 */
const FAKE_ID = '01900000-0000-7000-8000-000000000000';
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Each forged cursor makes every field of every list's cursor invalid in one way. */
const everyField = (value: unknown) => encode({ id: value, createdAt: value, userId: value, key: value, seq: value });
const FORGED_CURSORS: Record<string, string> = {
  'not base64 JSON': 'not-a-cursor!!',
  'a JSON array': encode([1, 2]),
  'a JSON string': encode('x'),
  'an empty object': encode({}),
  'numbers for strings': everyField(5),
  'objects for strings': everyField({ $gt: '' }),
  'garbage strings': encode({
    id: 'garbage',
    createdAt: 'garbage',
    userId: '1; drop',
    seq: 'abc',
    key: 'k'.repeat(600),
  }),
  'near misses': encode({
    id: `${FAKE_ID.slice(0, -1)}g`,
    createdAt: '2026-13-45T99:99:99Z',
    userId: `${FAKE_ID}0`,
    seq: '99999999999999999999',
    key: 'a\u0000b',
  }),
  'NUL characters': everyField(`${FAKE_ID}\u0000`),
};

describe('forged cursors on every list (e2e)', () => {
  let t: TestApp;
  let lists: string[];
  let orgId: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '100000' } });
    const spec = (await t.http().get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    lists = Object.entries(spec.paths)
      .filter(([, ops]) => ops.get?.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'))
      .map(([path]) => path);
    const world = await orgWithEveryRole(t);
    orgId = world.org.id;
    auth = world.owner.auth;
    // The owner is also a platform administrator, so /v1/admin lists are reached too.
    await t.asOwner((db) => db.query(`UPDATE users SET "platformRole" = 'ADMIN' WHERE id = $1`, [world.owner.id]));
  });
  afterAll(() => t.close());

  it('finds the lists, platform and organization ones alike', () => {
    expect(lists).toEqual(
      expect.arrayContaining([
        '/v1/orgs',
        '/v1/orgs/{orgId}/members',
        '/v1/orgs/{orgId}/variables',
        '/v1/auth/sessions',
        '/v1/admin/users',
      ]),
    );
  });

  it.each(Object.entries(FORGED_CURSORS))('answers %s with 400 on each list', async (_kind, cursor) => {
    const answers: string[] = [];
    for (const path of lists) {
      const url = path.replace('{orgId}', orgId).replace(/\{\w+\}/g, FAKE_ID);
      const res = await t.http().get(url).query({ cursor }).set(auth);
      answers.push(`${path} ${res.status} ${res.body.code}`);
    }
    expect(answers).toEqual(lists.map((path) => `${path} 400 VALIDATION_FAILED`));
  });
});
