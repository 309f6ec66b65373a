import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  ServerObject,
} from '@nestjs/swagger';
import { ACCESS_EXTENSION, describeAccess, TENANT_PARAM, type AccessRule } from '../auth/decorators';
import { isRateLimited } from '../auth/rate-limit.guard';
import { ERROR_CODES, type ErrorCode } from '../errors/app-exception';
import { reasonPhrase } from '../errors/problem-details.filter';
import { INVALID_INPUT, problemCases, problemResponse } from './api-problem';
import { tagDescription } from './api-tag';
import { PROBLEM_JSON } from './problem-details.schema';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Sent with every response to a request counted against the caller's per-minute budget. */
const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'X-RateLimit-Limit': {
    description:
      "Requests per minute the caller (signed-in user, API key or client address) may make. Sent once the request is counted, that is after the access checks: not on 401, nor on the guards' 403/404.",
    schema: { type: 'integer', format: 'int32', minimum: 0 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current minute (same responses as X-RateLimit-Limit)',
    schema: { type: 'integer', format: 'int32', minimum: 0 },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the budget refills (same responses as X-RateLimit-Limit)',
    schema: { type: 'integer', format: 'int32', minimum: 0 },
  },
};

const RETRY_AFTER: HeaderObject = {
  description: 'Seconds to wait before retrying (the per-minute budget, or a sign-in or sign-up limit)',
  required: true,
  schema: { type: 'integer', format: 'int32', minimum: 0 },
};

const headerRef = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

const isReference = (value: object | undefined): value is ReferenceObject => !!value && '$ref' in value;

/** `variableId` → `variable`, `apiKeyId` → `API key`. */
function resourceOf(param: string): string {
  return param
    .replace(/Id$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/^api\b/, 'API');
}

/** Adds `CODE: text` cases to the response of a status (created when missing), without repeating one. */
function addCases(operation: OperationObject, status: number, ...cases: string[]): void {
  const existing = operation.responses[status] as ResponseObject | undefined;
  const paragraphs = existing?.description ? existing.description.split(/\n\n+/) : [];
  for (const text of cases) if (!paragraphs.includes(text)) paragraphs.push(text);
  operation.responses[status] = { ...existing, description: paragraphs.join('\n\n') };
}

/** The access paragraph and security of an operation, from the rule Authenticated() left in it. */
function documentAccess(operation: OperationObject, method: string): void {
  const record = operation as OperationObject & Record<string, unknown>;
  const rule = record[ACCESS_EXTENSION] as AccessRule | undefined;
  delete record[ACCESS_EXTENSION];
  const access = rule ? describeAccess(rule, method) : '**Access:** public, no credentials needed.';
  // Public routes say so explicitly: an absent `security` would mean "inherit the default".
  if (!rule) operation.security = [];
  operation.description = [operation.description, access].filter(Boolean).join('\n\n');
}

function documentParameters(operation: OperationObject, tenant: boolean): void {
  const parameters = (operation.parameters ?? []).filter((p): p is ParameterObject => !isReference(p));
  for (const parameter of parameters.filter((p) => p.in === 'path' && p.name.endsWith('Id'))) {
    parameter.schema = { type: 'string', format: 'uuid' };
    if (tenant && parameter.name === TENANT_PARAM) continue;
    parameter.description ??= `The ${resourceOf(parameter.name)}`;
    const where = tenant ? ' in the organization' : '';
    addCases(operation, 404, `NOT_FOUND: no ${resourceOf(parameter.name)} with this \`${parameter.name}\`${where}`);
  }
  if (operation.requestBody || parameters.some((p) => p.in === 'query'))
    addCases(operation, 400, `VALIDATION_FAILED: ${INVALID_INPUT}`);
}

/** Every error response gets the ProblemDetails body with an example per documented case. */
function documentProblems(operation: OperationObject): void {
  for (const [key, response] of Object.entries(operation.responses)) {
    const status = Number(key);
    if (!(status >= 400) || !response || isReference(response)) continue;
    // A route's own error body (e.g. the health check's) stays as it is.
    if (response.content && !response.content[PROBLEM_JSON]) continue;
    // A description without a `CODE: ` paragraph gets the status's usual code.
    const fallback = Object.keys(ERROR_CODES).find((code) => ERROR_CODES[code as ErrorCode] === status);
    const described = problemCases(status, response.description).length > 0 || !fallback;
    const description = described ? response.description : `${fallback}: ${response.description}`;
    operation.responses[key] = problemResponse(status, description, response.headers);
  }
}

function documentRateLimit(operation: OperationObject): void {
  addCases(operation, 429, "RATE_LIMITED: over the caller's per-minute request budget; see Retry-After");
  for (const [key, response] of Object.entries(operation.responses)) {
    if (!response || isReference(response) || !/^[234]/.test(key)) continue;
    response.headers = {
      ...response.headers,
      ...Object.fromEntries(Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, headerRef(name)])),
      ...(key === '429' ? { 'Retry-After': headerRef('Retry-After') } : {}),
    };
  }
}

/** `getVariable` → `Get variable`: a summary for the handlers without a doc comment. */
function summaryOf(operationId: string): string {
  const words = operationId.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Success responses without a description get the status's reason phrase. */
function describeSuccess(operation: OperationObject): void {
  for (const [key, response] of Object.entries(operation.responses)) {
    if (response && !isReference(response) && /^[23]/.test(key) && !response.description)
      response.description = reasonPhrase(Number(key));
  }
}

function sortedResponses(responses: OperationObject['responses']): OperationObject['responses'] {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * What the decorators alone cannot say, applied to the whole document: who may call each
 * operation (from the rule the guards read), problem+json error bodies with their codes,
 * 400 where there is input, 404 for ids, 429 and the rate-limit headers where the budget
 * applies, 500 everywhere, uuid ids, explicit `security: []` on public routes, tag
 * descriptions and servers.
 */
export function finishDocument(document: OpenAPIObject): OpenAPIObject {
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.tags?.forEach((tag) => tags.add(tag));
      operation.summary ||= summaryOf(operation.operationId ?? method);
      documentAccess(operation, method);
      describeSuccess(operation);
      documentParameters(operation, path.startsWith(`/v1/orgs/{${TENANT_PARAM}}`));
      addCases(operation, 500, 'INTERNAL: an unexpected error; quote `requestId` when reporting it');
      if (isRateLimited(path)) documentRateLimit(operation);
      documentProblems(operation);
      operation.responses = sortedResponses(operation.responses);
    }
  }
  const components = (document.components ??= {});
  components.headers = { ...components.headers, ...RATE_LIMIT_HEADERS, 'Retry-After': RETRY_AFTER };
  document.tags = [...tags].sort().map((name) => ({ name, description: tagDescription(name) ?? '' }));
  // Relative: the API is wherever this document is served from. x-internal: it is a public API.
  const server = { url: '/', description: 'This server (local, staging or production alike)', 'x-internal': false };
  document.servers = [server as ServerObject];
  return document;
}

/** Keys sorted at every level, two-space indent, final newline: one text per document, small diffs. */
export function canonicalJson(value: unknown): string {
  const sort = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sort);
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((key) => [key, sort((node as Record<string, unknown>)[key])]),
    );
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}
