import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requiredScope, type AccessRule } from '../../src/common/auth/decorators';
import { orgWithEveryRole } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

type Schema = { $ref?: string; type?: string; format?: string };
type Parameter = { name: string; in: string; schema?: Schema };
type Response = {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: Schema }>;
};
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, Response>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  tags?: { name: string; description?: string }[];
  servers?: { url: string }[];
  components: Record<string, unknown>;
};

const PROBLEM = '#/components/schemas/ProblemDetails';

/** The committed document clients are generated from; CI checks it against the built server. */
const committed = JSON.parse(readFileSync(join(__dirname, '../../openapi/openapi.json'), 'utf8')) as Document;

function operationsOf(document: Document) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let spec: Document;
  let operations: ReturnType<typeof operationsOf>;

  beforeAll(async () => {
    t = await createTestApp();
    spec = (await t.http().get('/docs/openapi.json').expect(200)).body;
    operations = operationsOf(spec);
  });
  afterAll(() => t.close());

  it('names every operation readably and once', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['login', 'createOrganization', 'listVariables', 'getVariable', 'deleteVariable']),
    );
  });

  it('says who may call each operation, with the scope the role guard asks API keys for', () => {
    for (const { path, method, operation } of operations) {
      const where = `${method} ${path}`;
      const isPublic = operation.security?.length === 0;
      expect({ where, access: /\*\*Access:\*\*/.test(operation.description ?? '') }).toEqual({ where, access: true });
      if (isPublic) {
        expect({ where, public: operation.description }).toEqual({ where, public: expect.stringContaining('public') });
        continue;
      }
      expect({ where, security: operation.security }).toEqual({ where, security: [{ bearer: [] }] });
    }
    const variablesGet = spec.paths['/v1/orgs/{orgId}/variables']!.get!;
    const rule: AccessRule = { tenant: true, role: 'VIEWER', scope: 'variables' };
    expect(variablesGet.description).toContain(`\`${requiredScope(rule, 'GET')}\``);
    expect(variablesGet.description).toContain('VIEWER role or higher');
    expect(spec.paths['/v1/orgs/{orgId}/variables']!.post!.description).toContain('`variables:write`');
    expect(spec.paths['/v1/auth/login']!.post!.security).toEqual([]);
  });

  it('documents the errors the guards, pipes and budget give', () => {
    for (const { path, method, operation } of operations) {
      const statuses = Object.keys(operation.responses);
      const expected = ['500'];
      if (operation.security?.length) expected.push('401', '403');
      if (path.startsWith('/v1/orgs/{orgId}') || operation.parameters?.some((p) => p.in === 'path'))
        expected.push('404');
      if (operation.requestBody || operation.parameters?.some((p) => p.in === 'query')) expected.push('400');
      if (!path.startsWith('/health')) expected.push('429');
      expect({ route: `${method} ${path}`, statuses }).toEqual({
        route: `${method} ${path}`,
        statuses: expect.arrayContaining(expected),
      });
      if (!path.startsWith('/health')) {
        expect(operation.responses['429']!.headers).toHaveProperty('Retry-After');
        // The success, or the redirect of a route that answers one (sign-in with a provider).
        const success = Object.entries(operation.responses).find(([status]) => /^[23]/.test(status))?.[1];
        expect(success?.headers).toHaveProperty('X-RateLimit-Limit');
      }
    }
  });

  it('gives every error response the ProblemDetails body (the health probe keeps its own)', () => {
    for (const { path, method, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || path.startsWith('/health')) continue;
        expect({
          at: `${method} ${path} ${status}`,
          schema: response.content?.['application/problem+json']?.schema,
        }).toEqual({ at: `${method} ${path} ${status}`, schema: { $ref: PROBLEM } });
        expect(response.description).toMatch(/^[A-Z_]+: /);
      }
    }
  });

  it('types ids as uuids and limits as integers, describes tags and names a server', () => {
    for (const { operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'path' && parameter.name.endsWith('Id'))
          expect(parameter.schema).toEqual({ type: 'string', format: 'uuid' });
        if (parameter.name === 'limit') expect(parameter.schema).toMatchObject({ type: 'integer' });
      }
    }
    const used = new Set(operations.flatMap(({ operation }) => operation.tags ?? []));
    expect(spec.tags?.map((tag) => tag.name).sort()).toEqual([...used].sort());
    expect(spec.tags?.every((tag) => (tag.description ?? '').length > 10)).toBe(true);
    expect(spec.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('has the operations the server serves, as the committed openapi/openapi.json does', () => {
    const routes = (document: Document) =>
      operationsOf(document)
        .map(({ path, method, operation }) => `${method} ${path} ${operation.operationId}`)
        .sort();
    expect(routes(committed)).toEqual(routes(spec));
  });

  describe('real error bodies match the committed ProblemDetails schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openapi.json', components: committed.components });
    const validate = ajv.compile({ $ref: `openapi.json${PROBLEM}` });
    let world: Awaited<ReturnType<typeof orgWithEveryRole>>;

    const expectProblem = (res: { status: number; headers: Record<string, string>; body: unknown }, code: string) => {
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: res.status, code });
      expect({ valid: validate(res.body), errors: validate.errors }).toEqual({ valid: true, errors: null });
    };

    beforeAll(async () => {
      world = await orgWithEveryRole(t);
    });

    it('400 VALIDATION_FAILED, with errors[]', async () => {
      const res = await t.http().post(`/v1/orgs/${world.org.id}/variables`).set(world.editor.auth).send({ key: 1 });
      expectProblem(res, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'key' })]));
    });

    it('401 UNAUTHENTICATED', async () => {
      expectProblem(await t.http().get('/v1/me'), 'UNAUTHENTICATED');
    });

    it('403 FORBIDDEN', async () => {
      const res = await t.http().post(`/v1/orgs/${world.org.id}/variables`).set(world.viewer.auth).send({});
      expectProblem(res, 'FORBIDDEN');
    });

    it('404 NOT_FOUND', async () => {
      expectProblem(await t.http().get(`/v1/orgs/${world.otherOrg.id}`).set(world.viewer.auth), 'NOT_FOUND');
    });

    it('409 DUPLICATE', async () => {
      const create = () =>
        t.http().post(`/v1/orgs/${world.org.id}/variables`).set(world.editor.auth).send({ key: 'dup', value: 'x' });
      await create().expect(201);
      expectProblem(await create(), 'DUPLICATE');
    });
  });
});

describe('request body examples (committed document)', () => {
  it('gives every field of every request body an example, so Swagger UI can try it out', () => {
    const schemas = (committed.components?.schemas ?? {}) as Record<
      string,
      { properties?: Record<string, Record<string, unknown>> }
    >;
    const missing: string[] = [];
    for (const operations of Object.values(committed.paths ?? {})) {
      for (const operation of Object.values(operations ?? {}) as { requestBody?: unknown }[]) {
        const ref = (operation?.requestBody as { content?: Record<string, { schema?: { $ref?: string } }> } | undefined)
          ?.content?.['application/json']?.schema?.$ref;
        const name = ref?.split('/').pop();
        for (const [field, schema] of Object.entries((name && schemas[name]?.properties) ?? {})) {
          const explained =
            'example' in schema ||
            'enum' in schema ||
            schema.type === 'boolean' ||
            '$ref' in schema ||
            'allOf' in schema;
          if (!explained) missing.push(`${name}.${field}`);
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });
});
