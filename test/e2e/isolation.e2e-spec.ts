import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { SECRETS } from '../../src/common/auth/secrets.provider';
import type { Secrets } from '../../src/common/auth/secrets';
import { randomToken, sha256 } from '../../src/common/crypto/tokens';
import type { MemberRole } from '../../src/generated/prisma/enums';
import { addMember, createOrg, inOrg, orgWithEveryRole, signUp, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Walks every route of the live OpenAPI document under /v1/orgs/{orgId} as every kind of caller
 * and checks the status docs/permissions.md promises. A route missing from the matrix fails.
 */
interface MatrixRow {
  method: string;
  path: string;
  role: MemberRole;
  scope: string | null;
  /** The API-key access the route needs: read for GET and for POSTs the matrix marks `:read`. */
  access: 'read' | 'write';
}

const ROLES: MemberRole[] = ['VIEWER', 'EDITOR', 'ADMIN', 'OWNER'];
const RANK: Record<MemberRole, number> = { VIEWER: 1, EDITOR: 2, ADMIN: 3, OWNER: 4 };
const ORG_PREFIX = '/v1/orgs/{orgId}';
const FAKE_ID = '01900000-0000-7000-8000-000000000000';

function readMatrix(): MatrixRow[] {
  const doc = readFileSync(join(__dirname, '../../docs/permissions.md'), 'utf8');
  const section = doc.split('## Organization routes')[1]!.split('\n## ')[0]!;
  return section
    .split('\n')
    .filter((line) => /^\| (GET|POST|PUT|PATCH|DELETE)\s+\|/.test(line))
    .map((line) => {
      const [method, path, role, scope] = line
        .split('|')
        .slice(1, 5)
        .map((cell) => cell.trim());
      // `prompts:read` names the access of a POST that changes nothing; a bare scope goes by the method.
      const [name, access] = scope === '—' ? [null] : scope!.split(':');
      return {
        method: method!,
        path: path!,
        role: role as MemberRole,
        scope: name ?? null,
        access: (access as 'read' | 'write' | undefined) ?? (method === 'GET' ? 'read' : 'write'),
      };
    });
}

function liveRoutes(spec: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(spec.paths)
    .filter(([path]) => path.startsWith(ORG_PREFIX))
    .flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

const ACCESS_DENIAL =
  /^(This needs the \w+ role or higher|This API key lacks|API keys cannot use this route|This route is not open)/;

/** Calls that only read, or are refused, leave the organization as it was: they share one. */
const readsOnly = (row: MatrixRow) => row.method === 'GET';

describe('tenant isolation across every organization route (e2e)', () => {
  let t: TestApp;
  let matrix: MatrixRow[];
  let spec: { paths: Record<string, Record<string, unknown>> };
  /** The read-only fixture: an org with one member of each role, an outsider and their org. */
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let members: Record<MemberRole, TestUser>;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PER_MINUTE: '100000', API_KEY_RATE_LIMIT_PER_MINUTE: '100000' } });
    matrix = readMatrix();
    spec = (await t.http().get('/docs/openapi.json').expect(200)).body;
    world = await orgWithEveryRole(t);
    members = { OWNER: world.owner, ADMIN: world.admin, EDITOR: world.editor, VIEWER: world.viewer };
  });
  afterAll(() => t.close());

  it('has exactly one matrix entry for every live organization route', () => {
    const documented = matrix.map((row) => `${row.method} ${row.path}`).sort();
    expect(liveRoutes(spec)).toEqual(documented);
    expect(new Set(documented).size).toBe(documented.length);
  });

  const call = (row: MatrixRow, orgId: string, headers: Record<string, string>) => {
    const url = row.path.replace('{orgId}', orgId).replace(/\{\w+\}/g, FAKE_ID);
    const req = t.http()[row.method.toLowerCase() as 'get'](url).set(headers);
    return ['POST', 'PUT', 'PATCH'].includes(row.method) ? req.send({}) : req;
  };

  async function apiKey(
    orgId: string,
    scopes: string[],
    extra: { revokedAt?: Date } = {},
  ): Promise<Record<string, string>> {
    const key = `ob_${randomToken(32)}`;
    await inOrg(t, orgId, (tx) =>
      tx.serviceApiKey.create({
        data: {
          orgId,
          name: `key-${key.slice(3, 9)}`,
          prefix: key.slice(0, 11),
          keyHash: sha256(key),
          scopes,
          ...extra,
        },
      }),
    );
    return { Authorization: `Bearer ${key}` };
  }

  async function expiredToken(user: TestUser): Promise<Record<string, string>> {
    const secrets = t.app.get<Secrets>(SECRETS);
    const claims = JSON.parse(Buffer.from(user.accessToken.split('.')[1]!, 'base64url').toString());
    const token = await t.app
      .get(JwtService)
      .signAsync(
        { sub: claims.sub, sid: claims.sid, email: claims.email, exp: Math.floor(Date.now() / 1000) - 60 },
        { secret: secrets.jwtSecret, algorithm: 'HS256', issuer: t.config.JWT_ISSUER, audience: t.config.JWT_AUDIENCE },
      );
    return { Authorization: `Bearer ${token}` };
  }

  const expectAllowed = (res: { status: number; body: { detail?: string } }, who: string, row: MatrixRow) => {
    const denied =
      res.status === 401 ||
      (res.status === 404 && res.body.detail === 'Organization not found') ||
      (res.status === 403 && ACCESS_DENIAL.test(res.body.detail ?? ''));
    if (denied) throw new Error(`${who} was refused ${row.method} ${row.path}: ${res.status} ${res.body.detail}`);
    // Allowed is not "anything but a refusal": a server error is a defect wherever it comes from.
    if (res.status >= 500) throw new Error(`${who} got ${res.status} on ${row.method} ${row.path}: ${res.body.detail}`);
  };

  /**
   * An organization an allowed call may change (delete, leave, transfer): made in the database
   * for the fixture's users, which costs no sign-up.
   */
  async function freshOrg(): Promise<string> {
    const org = await createOrg(t, world.owner);
    for (const role of ['ADMIN', 'EDITOR', 'VIEWER'] as const) await addMember(t, org.id, members[role].id, role);
    return org.id;
  }

  it('refuses everyone who is not allowed, with the documented status', async () => {
    const otherOrgKey = await apiKey(world.otherOrg.id, allScopes(matrix));
    const revokedKey = await apiKey(world.org.id, allScopes(matrix), { revokedAt: new Date() });
    const expired = await expiredToken(world.owner);
    const ownKey = await apiKey(world.org.id, allScopes(matrix));
    const failures: string[] = [];
    const check = async (row: MatrixRow, who: string, headers: Record<string, string>, status: number) => {
      const res = await call(row, world.org.id, headers);
      if (res.status !== status)
        failures.push(
          `${who} ${row.method} ${row.path}: expected ${status}, got ${res.status} ${res.body.detail ?? ''}`,
        );
    };

    for (const row of matrix) {
      await check(row, 'anonymous', {}, 401);
      await check(row, 'non-member', world.outsider.auth, 404);
      await check(row, 'API key of another org', otherOrgKey, 404);
      await check(row, 'revoked API key', revokedKey, 401);
      await check(row, 'expired access token', expired, 401);
      for (const role of ROLES.filter((r) => RANK[r] < RANK[row.role])) await check(row, role, members[role].auth, 403);
      if (!row.scope) await check(row, 'API key (no scope on this route)', ownKey, 403);
    }
    expect(failures).toEqual([]);
  });

  it('lets every role at or above the documented one through, and scoped API keys where listed', async () => {
    for (const row of matrix) {
      for (const role of ROLES.filter((r) => RANK[r] >= RANK[row.role])) {
        // A fresh organization for each call that may change it (delete, leave, transfer).
        const orgId = readsOnly(row) ? world.org.id : await freshOrg();
        expectAllowed(await call(row, orgId, members[role].auth), role, row);
      }
      if (row.scope) {
        const orgId = readsOnly(row) ? world.org.id : await freshOrg();
        const access = row.access;
        expectAllowed(
          await call(row, orgId, await apiKey(orgId, [`${row.scope}:${access}`])),
          `API key with ${row.scope}:${access}`,
          row,
        );
        const wrong = await call(
          row,
          orgId,
          await apiKey(orgId, [`${row.scope}:${access === 'read' ? 'write' : 'read'}`]),
        );
        expect({ route: `${row.method} ${row.path}`, status: wrong.status }).toEqual({
          route: `${row.method} ${row.path}`,
          status: 403,
        });
      }
    }
  });

  it('a signed-up user with no org is a non-member everywhere', async () => {
    const loner = await signUp(t);
    for (const row of matrix) {
      const res = await call(row, world.org.id, loner.auth);
      expect({ route: `${row.method} ${row.path}`, status: res.status }).toEqual({
        route: `${row.method} ${row.path}`,
        status: 404,
      });
    }
  });
});

function allScopes(matrix: MatrixRow[]): string[] {
  return [...new Set(matrix.flatMap((row) => (row.scope ? [`${row.scope}:read`, `${row.scope}:write`] : [])))];
}
