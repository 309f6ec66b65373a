import { describeAccess, requiredScope } from '../auth/decorators';
import { problemCases, problemResponse } from './api-problem';
import { canonicalJson } from './document';
import { operationIdFor } from './operation-id';

describe('operationIdFor', () => {
  it.each([
    ['VariablesController', 'list', 'listVariables'],
    ['VariablesController', 'get', 'getVariable'],
    ['VariablesController', 'remove', 'deleteVariable'],
    ['OrganizationsController', 'create', 'createOrganization'],
    ['ApiKeysController', 'revoke', 'revokeApiKey'],
    ['AuthController', 'login', 'login'],
    ['AuthController', 'listSessions', 'listSessions'],
    ['PoliciesController', 'update', 'updatePolicy'],
  ])('%s.%s is %s', (controller, method, id) => {
    expect(operationIdFor(controller, method)).toBe(id);
  });
});

describe('problem cases', () => {
  it('reads every `CODE: when` paragraph of the status, and nothing else', () => {
    const description =
      'FORBIDDEN: below the role\n\nPLAN_LIMIT_REACHED: the plan is full\n\nNOT_FOUND: wrong status\n\nfree text';
    expect(problemCases(403, description)).toEqual([
      { code: 'FORBIDDEN', description: 'below the role' },
      { code: 'PLAN_LIMIT_REACHED', description: 'the plan is full' },
    ]);
  });

  it('documents the ProblemDetails body with an example per code', () => {
    const response = problemResponse(409, 'DUPLICATE: the key is taken');
    const media = response.content['application/problem+json'];
    expect(media.schema).toEqual({ $ref: '#/components/schemas/ProblemDetails' });
    expect(media.examples?.DUPLICATE?.value).toMatchObject({ status: 409, code: 'DUPLICATE', title: 'Conflict' });
  });
});

describe('access in words', () => {
  it('names the role and the scope the role guard asks API keys for', () => {
    const rule = { tenant: true, role: 'EDITOR', scope: 'variables' } as const;
    expect(requiredScope(rule, 'GET')).toBe('variables:read');
    expect(requiredScope(rule, 'PATCH')).toBe('variables:write');
    expect(describeAccess(rule, 'DELETE')).toContain('EDITOR role or higher (OWNER, ADMIN, EDITOR)');
    expect(describeAccess(rule, 'DELETE')).toContain('`variables:write`');
    expect(describeAccess({ tenant: true, role: 'ADMIN' }, 'GET')).toContain('Service API keys cannot call it');
    expect(describeAccess({ platformAdmin: true }, 'GET')).toContain('Platform administrators only');
  });

  it('asks for the read scope on a read-only POST (prompt render)', () => {
    const rule = { tenant: true, role: 'VIEWER', scope: 'prompts', readOnly: true } as const;
    expect(requiredScope(rule, 'POST')).toBe('prompts:read');
    expect(describeAccess(rule, 'POST')).toContain('`prompts:read`');
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      2,\n      1\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
});
