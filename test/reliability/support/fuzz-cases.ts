import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Caller, Fixtures } from './fixtures';
import type { Call } from './http-client';
import { fieldsOf, validValue, type Operation, type Parameter, type Schema } from './openapi';

/** One request of the fuzz: what it tries (`kind`), as whom, and the exact call. */
export interface FuzzCase {
  kind: string;
  caller: Caller;
  call: Call;
}

const DEEP = 10_000;
const ONE_MB = 1_000_000;
/** Just over the 1 MB body limit is enough for 413; 10 MB is what the issue asks to survive. */
export const TEN_MB = 10 * 1024 * 1024;

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const json = (value: unknown) => JSON.stringify(value);

/** Path parameter values (already URL-encoded): malformed, overlong, traversal, injection, odd Unicode. */
const BAD_IDS: [string, string][] = [
  ['not a uuid', 'not-a-uuid'],
  ['nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['unknown uuid', '4b0c8e53-8d3f-4c65-9a4e-2f6f3c1d9e70'],
  ['uuid with a tail', '4b0c8e53-8d3f-4c65-9a4e-2f6f3c1d9e70x'],
  ['100 characters', 'x'.repeat(100)],
  ['101 characters', 'x'.repeat(101)],
  ['2000 characters', 'x'.repeat(2000)],
  ['NUL', 'a%00b'],
  ['encoded lone surrogate', '%ED%A0%80'],
  ['invalid UTF-8', '%C0%AF'],
  ['broken percent-encoding', '%E0%A4%A'],
  ['traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['SQL injection', "'%20OR%201%3D1--"],
  ['emoji', '%F0%9F%98%80'],
];

/** Cursors that decode to the wrong things: not base64, not JSON, JSON of the wrong shape or types. */
const BAD_CURSORS: [string, string][] = [
  ['garbage', '!!!'],
  ['not JSON', b64('not json')],
  ['JSON array', b64('[]')],
  ['JSON null', b64('null')],
  ['numbers for fields', b64(json({ createdAt: 1, id: 2, seq: 3, key: 4, email: 5 }))],
  ['objects for fields', b64(json({ createdAt: {}, id: [], seq: {}, key: [], email: {} }))],
  ['bad date and id', b64(json({ createdAt: '9999-99-99T99:99:99Z', id: 'x', seq: '-1', key: 'a', email: 'a' }))],
  ['year 0', b64(json({ createdAt: '0000-01-01T00:00:00.000Z', id: randomUUID(), seq: '0', key: 'a', email: 'a' }))],
  ['huge seq', b64(json({ createdAt: new Date().toISOString(), id: randomUUID(), seq: '9'.repeat(30), key: 'a' }))],
  ['NUL inside', b64(json({ createdAt: new Date().toISOString(), id: '\u0000', seq: '\u0000', key: '\u0000' }))],
  ['lone surrogate inside', b64('{"createdAt":"\\ud800","id":"\\ud800","key":"\\ud800","seq":"\\ud800"}')],
  ['deeply nested', b64('['.repeat(DEEP) + ']'.repeat(DEEP))],
  ['513 characters', 'a'.repeat(513)],
  ['8000 characters', 'a'.repeat(8000)],
];

/** Values for the documented request headers: malformed, weak, stale, long. */
const BAD_HEADERS: Record<string, [string, string][]> = {
  'If-Match': [
    ['garbage', 'garbage'],
    ['weak tag', 'W/"1"'],
    ['stale tag', '"999999"'],
    ['tag list', '"1", "2", *'],
    ['unquoted number', '1'],
    ['8000 characters', `"${'9'.repeat(8000)}"`],
  ],
  'Idempotency-Key': [
    ['empty', ''],
    ['with spaces', 'a key'],
    ['256 characters', 'k'.repeat(256)],
    ['8000 characters', 'k'.repeat(8000)],
    ['Latin-1', 'cl\u00e9'],
    ['SQL injection', "x' OR '1'='1"],
  ],
};
const OTHER_HEADER: [string, string][] = [
  ['garbage', 'garbage'],
  ['8000 characters', 'h'.repeat(8000)],
];

const LIMITS = ['-1', '0', '101', '1000000000', '99999999999999999999999', '1.5', 'abc', '', 'NaN', 'Infinity', '1e3'];
const TEXTS: [string, string][] = [
  ['NUL', 'a%00b'],
  ['encoded lone surrogate', '%ED%A0%80'],
  ['invalid UTF-8', '%FF%FE'],
  ['1000 characters', 'q'.repeat(1000)],
  ['SQL injection', "x'%20OR%201%3D1--"],
  ['LIKE wildcards', '%25_%25'],
  ['regex', '(a%2B)%2B%24'],
];
const GENERIC_QUERIES: [string, string][] = [
  ['unknown parameter', 'unknown=1'],
  ['prototype key', '__proto__=x&constructor=y'],
  ['bracket syntax', 'a[b]=c&limit[]=1'],
  ['empty key', '=x&&&'],
];

/** Raw JSON values that break a field of the given schema, chosen by its type. */
function breakingValues(schema: Schema): [string, string][] {
  const common: [string, string][] = [
    ['null', 'null'],
    ['boolean', 'true'],
    ['array', '["a",1,null]'],
    ['object', '{"a":1}'],
    ['nested 10k deep', '['.repeat(DEEP) + ']'.repeat(DEEP)],
  ];
  switch (schema.type) {
    case 'number':
    case 'integer':
      return [
        ...common,
        ['string', '"1"'],
        ['negative', '-1'],
        ['fraction', '1.5'],
        ['beyond double', '1e400'],
        ['beyond int64', '9223372036854775808'],
      ];
    case 'array':
      return [
        ...common.filter(([kind]) => kind !== 'array'),
        ['string', '"a"'],
        ['10,000 items', json(Array(10_000).fill('a'))],
      ];
    case 'object':
      return [
        ...common.filter(([kind]) => kind !== 'object'),
        ['string', '"a"'],
        ['__proto__ inside', '{"__proto__":{"polluted":true}}'],
        ['10,000 keys', json(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, true])))],
      ];
    default:
      return [
        ...common,
        ['number', '12345'],
        ['empty string', '""'],
        ['NUL', '"a\\u0000b"'],
        ['lone surrogate', '"a\\ud800b"'],
        ['5000 emoji', json('😀'.repeat(5000))],
        ...(schema.format === 'uuid' ? [['not a uuid', '"not-a-uuid"'] as [string, string]] : []),
        ...(schema.format === 'date-time' ? [['nonsense date', '"9999-99-99T99:99:99Z"'] as [string, string]] : []),
      ];
  }
}

const INVALID_JSON = [
  '{"a":',
  "{'a':1}",
  '{"a":1}garbage',
  '{"a":1,}',
  '{"a":01}',
  '\u0000',
  '{"a":"\\x"}',
  '\uFEFF{}',
];
const CONTENT_TYPES: [string, string][] = [
  ['text/plain', 'text/plain'],
  ['form', 'application/x-www-form-urlencoded'],
  ['multipart', 'multipart/form-data; boundary=x'],
  ['xml', 'application/xml'],
  ['json with latin1', 'application/json; charset=latin1'],
  ['json lookalike', 'application/jsonx'],
  ['upper case json', 'APPLICATION/JSON'],
  ['empty type', ''],
];

/** Builds the calls of one operation from real fixture ids, broken one part at a time. */
export class CaseBuilder {
  constructor(
    private readonly op: Operation,
    private readonly fixtures: Fixtures,
  ) {}

  /** Admin user routes act on a user of their own; every other `{name}` is the fixture of that name. */
  private idsFor(name: string): [string, string] {
    const key = name === 'userId' && this.op.path.startsWith('/v1/admin/users') ? 'adminUserId' : name;
    return this.fixtures.ids[key] ?? ['4b0c8e53-8d3f-4c65-9a4e-2f6f3c1d9e70', 'x'];
  }

  url(params: Record<string, string> = {}, query = ''): string {
    const path = this.op.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? this.idsFor(name)[0]);
    return query ? `${path}?${query}` : path;
  }

  validBody(): Record<string, unknown> | undefined {
    return this.op.body
      ? (validValue(this.op.body, '', this.fixtures.bodyValues) as Record<string, unknown>)
      : undefined;
  }

  /** The valid body with some fields replaced by raw JSON fragments (or left out, for `undefined`). */
  bodyWith(raw: Record<string, string | undefined>): string {
    const fields = {
      ...Object.fromEntries(Object.entries(this.validBody() ?? {}).map(([k, v]) => [k, json(v)])),
      ...raw,
    };
    const parts = Object.entries(fields).filter(([, value]) => value !== undefined);
    return `{${parts.map(([key, value]) => `${json(key)}:${value}`).join(',')}}`;
  }

  /** The valid body with raw members put first (keys an object literal cannot hold, like __proto__). */
  bodyStartingWith(members: string): string {
    const rest = this.bodyWith({}).slice(1, -1);
    return `{${members}${rest ? `,${rest}` : ''}}`;
  }

  call(
    caller: Caller,
    parts: { url?: string; body?: string; contentType?: string | null; headers?: Record<string, string> } = {},
  ): Call {
    const headers: Record<string, string> = {};
    if (caller !== 'anonymous') headers.authorization = `Bearer ${this.fixtures.credentials[caller]}`;
    // Required headers get a value that passes (If-Match `*` matches any version); optional ones none.
    for (const param of this.op.headerParams.filter((p) => p.required)) {
      headers[param.name.toLowerCase()] = param.name === 'If-Match' ? '*' : 'x';
    }
    const body = 'body' in parts ? parts.body : this.op.body ? json(this.validBody()) : undefined;
    const contentType = parts.contentType === undefined ? 'application/json' : parts.contentType;
    if (body !== undefined && contentType !== null) headers['content-type'] = contentType;
    return { method: this.op.method, url: parts.url ?? this.url(), headers: { ...headers, ...parts.headers }, body };
  }

  /**
   * Every deterministic case for one caller. `depth` says how far the caller gets: `light` (refused
   * by the guards, which run before validation: field-by-field cases would all get the same 401/403),
   * `full`, or `heavy` (full, plus 1 MB strings).
   */
  casesFor(caller: Caller, depth: 'light' | 'full' | 'heavy'): FuzzCase[] {
    const cases: FuzzCase[] = [];
    const add = (kind: string, call: Call) => cases.push({ kind, caller, call });
    for (const param of this.op.pathParams) this.pathCases(param, add, caller);
    for (const param of this.op.queryParams) this.queryCases(param, add, caller);
    for (const param of this.op.headerParams) this.headerCases(param, add, caller);
    if (this.op.method === 'GET') {
      for (const [kind, query] of GENERIC_QUERIES)
        add(`query: ${kind}`, this.call(caller, { url: this.url({}, query) }));
    }
    if (this.op.body) this.bodyCases(this.op.body, add, caller, depth);
    else {
      add('unexpected body', this.call(caller, { body: '{"unexpected":true}' }));
      add('unexpected body nested 10k deep', this.call(caller, { body: '['.repeat(DEEP) + ']'.repeat(DEEP) }));
    }
    return cases;
  }

  private pathCases(param: Parameter, add: (kind: string, call: Call) => void, caller: Caller): void {
    const [ours, theirs] = this.idsFor(param.name);
    add(`{${param.name}}: another org's`, this.call(caller, { url: this.url({ [param.name]: theirs }) }));
    add(`{${param.name}}: upper case`, this.call(caller, { url: this.url({ [param.name]: ours.toUpperCase() }) }));
    for (const [kind, value] of BAD_IDS) {
      add(`{${param.name}}: ${kind}`, this.call(caller, { url: this.url({ [param.name]: value }) }));
    }
  }

  private queryCases(param: Parameter, add: (kind: string, call: Call) => void, caller: Caller): void {
    const name = param.name;
    const at = (query: string) => this.call(caller, { url: this.url({}, query) });
    const schema = param.schema ?? {};
    let values: [string, string][];
    if (name === 'limit') values = LIMITS.map((value) => [value || 'empty', value]);
    else if (name === 'cursor') values = BAD_CURSORS;
    else if (schema.enum)
      values = [
        ['unknown value', 'NOPE'],
        ['lower case', String(schema.enum[0]).toLowerCase()],
        ['empty', ''],
      ];
    else if (schema.format === 'uuid')
      values = [
        ['not a uuid', 'not-a-uuid'],
        ['NUL', '%00'],
      ];
    else if (schema.format === 'date-time') {
      values = [
        ['not a date', 'yesterday'],
        ['nonsense date', '9999-99-99'],
        ['out of range', '-271821-04-20T00:00:00Z'],
      ];
    } else values = TEXTS;
    for (const [kind, value] of values) add(`?${name}: ${kind}`, at(`${name}=${value}`));
    add(`?${name}: given twice`, at(`${name}=${values[0]![1]}&${name}=${values[1]?.[1] ?? 'x'}`));
    add(`?${name}: 8000 characters`, at(`${name}=${'z'.repeat(8000)}`));
  }

  private headerCases(param: Parameter, add: (kind: string, call: Call) => void, caller: Caller): void {
    const name = param.name.toLowerCase();
    if (param.required) {
      const without = this.call(caller);
      delete without.headers![name];
      add(`${param.name}: missing`, without);
    } else {
      add(`${param.name}: a fresh value`, this.call(caller, { headers: { [name]: randomUUID() } }));
    }
    for (const [kind, value] of BAD_HEADERS[param.name] ?? OTHER_HEADER) {
      add(`${param.name}: ${kind}`, this.call(caller, { headers: { [name]: value } }));
    }
  }

  private bodyCases(
    schema: Schema,
    add: (kind: string, call: Call) => void,
    caller: Caller,
    depth: 'light' | 'full' | 'heavy',
  ): void {
    const withBody = (kind: string, body: string | undefined, contentType?: string | null) =>
      add(kind, this.call(caller, { body, contentType }));
    withBody('no body', undefined);
    withBody('empty body typed as JSON', '');
    for (const raw of ['{}', 'null', '[]', '"text"', '1', 'true']) withBody(`body ${raw}`, raw);
    for (const raw of INVALID_JSON) withBody(`invalid JSON ${json(raw)}`, raw);
    for (const [kind, type] of CONTENT_TYPES) withBody(`content-type ${kind}`, this.bodyWith({}), type);
    withBody('no content-type', this.bodyWith({}), null);
    withBody('extra field', this.bodyWith({ unexpectedField: '1' }));
    withBody('__proto__ key', this.bodyStartingWith('"__proto__":{"polluted":true}'));
    withBody('constructor.prototype key', this.bodyStartingWith('"constructor":{"prototype":{"polluted":true}}'));
    withBody('duplicate keys', this.bodyStartingWith('"dup":1,"dup":2'));
    withBody('object nested 10k deep', '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP));
    withBody('array nested 10k deep', '['.repeat(DEEP) + ']'.repeat(DEEP));
    if (depth === 'light') return;
    for (const [field, child, required] of fieldsOf(schema)) {
      if (required) withBody(`.${field} missing`, this.bodyWith({ [field]: undefined }));
      for (const [kind, raw] of breakingValues(child)) withBody(`.${field} ${kind}`, this.bodyWith({ [field]: raw }));
      if (child.type === 'string' && depth === 'heavy') {
        withBody(`.${field} 1 MB`, this.bodyWith({ [field]: json('a'.repeat(ONE_MB)) }));
      }
    }
  }

  /** A 10 MB body: the server must refuse it with 413 (problem+json), not a 5xx or a hang. */
  tenMegabytes(caller: Caller): FuzzCase {
    const field = fieldsOf(this.op.body).find(([, child]) => child.type === 'string')?.[0] ?? 'padding';
    return {
      kind: 'body of 10 MB',
      caller,
      call: this.call(caller, { body: this.bodyWith({ [field]: json('b'.repeat(TEN_MB)) }) }),
    };
  }

  /**
   * Property-based: bodies where every field is either valid or anything fast-check makes (any
   * JSON, lone surrogates, NUL, huge numbers, nested objects), with fields dropped and extra keys added.
   */
  bodyArbitrary(): fc.Arbitrary<string> {
    const odd = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.string16bits({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.double(),
      fc.bigInt().map(String),
      fc.constantFrom(null, '', '\u0000', '\ud800', '__proto__'),
    );
    const fields = fieldsOf(this.op.body).map(([field, child]) =>
      fc
        .option(fc.oneof(fc.constant(validValue(child, field, this.fixtures.bodyValues)), odd), { nil: undefined })
        .map((value) => [field, value] as const),
    );
    const extra = fc.dictionary(fc.string16bits({ maxLength: 12 }), odd, { maxKeys: 3 });
    return fc.tuple(fc.tuple(...fields), extra).map(([known, more]) => {
      // JSON.stringify writes lone surrogates as \udXXX escapes, so they reach the server as sent.
      const entries = [...known.filter(([, value]) => value !== undefined), ...Object.entries(more)];
      return `{${entries.map(([key, value]) => `${json(key)}:${json(value) ?? 'null'}`).join(',')}}`;
    });
  }

  /** Property-based query strings: each declared parameter absent, given once or twice, with any text. */
  queryArbitrary(): fc.Arbitrary<string> {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponentLoosely),
      fc.integer().map(String),
      fc.double().map(String),
      fc.jsonValue({ maxDepth: 2 }).map((v) => b64(json(v) ?? 'null')),
    );
    const params = this.op.queryParams.map((param) =>
      fc
        .option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined })
        .map((values) => (values ?? []).map((v) => `${param.name}=${v}`).join('&')),
    );
    return fc.tuple(...params).map((parts) => parts.filter(Boolean).join('&'));
  }
}

/** encodeURIComponent, except that it cannot throw on lone surrogates (they are sent as %EF%BF%BD). */
function encodeURIComponentLoosely(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
}

/** Authorization headers that are wrong in every way but one credential: scheme, length, forgery. */
export function authorizationCases(fixtures: Fixtures, ownerId: string): [string, string][] {
  const unsigned = `${b64(json({ alg: 'none', typ: 'JWT' }))}.${b64(json({ sub: ownerId, exp: 4102444800 }))}.`;
  const forged = `${fixtures.credentials.owner.split('.').slice(0, 2).join('.')}.${b64('forged signature')}`;
  return [
    ['empty bearer', 'Bearer '],
    ['scheme only', 'Bearer'],
    ['basic', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['lower-case scheme with owner token', `bearer ${fixtures.credentials.owner}`],
    ['two credentials', `Bearer ${fixtures.credentials.viewer} ${fixtures.credentials.owner}`],
    ['alg none token', `Bearer ${unsigned}`],
    ['forged signature', `Bearer ${forged}`],
    ['API key prefix only', 'Bearer ob_'],
    ['API key of junk', `Bearer ob_${'k'.repeat(60)}`],
    ['8 KB token', `Bearer ${'t'.repeat(8 * 1024)}`],
    ['15 KB token', `Bearer ${'t'.repeat(15 * 1024)}`],
    ['20 KB token (over the header limit)', `Bearer ${'t'.repeat(20 * 1024)}`],
  ];
}
