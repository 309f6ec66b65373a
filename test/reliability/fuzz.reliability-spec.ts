import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, type TestApp } from '../support/test-app';
import { Findings, printFigures } from './support/findings';
import { makeFixtures, type Caller, type Fixtures } from './support/fixtures';
import { authorizationCases, CaseBuilder, type FuzzCase } from './support/fuzz-cases';
import { closeAgents, inParallel, send, sendRaw, type Answer, type Call } from './support/http-client';
import { HIGH_LIMITS_ENV } from './support/load-target';
import { LogCapture } from './support/log-capture';
import { operationsOf, type Operation } from './support/openapi';

/**
 * Part 1: every operation of the live OpenAPI document, fuzzed as every kind of caller with real
 * ids, broken ids, broken queries and broken bodies. No answer may be a 5xx, every error is
 * problem+json with a code, no body shows internals, the server stays up, and the log (captured
 * at LOG_LEVEL=info) holds none of the secrets that were sent.
 */
describe('fuzz of every operation (reliability)', () => {
  const log = new LogCapture();
  const findings = new Findings();
  const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1_000_000);
  const secrets: string[] = [];
  let mail: SmtpSink;
  let t: TestApp;
  let base: string;
  let operations: Operation[];
  let sent = 0;
  let retriedUnavailable = 0;
  const byStatus = new Map<number, number>();
  const tenMegabyteAnswers: { op: string; answer: Answer }[] = [];

  beforeAll(async () => {
    mail = await new SmtpSink().start();
    t = await createTestApp({
      logDestination: log,
      env: {
        ...HIGH_LIMITS_ENV,
        LOG_LEVEL: 'info',
        // The fuzz judges answers, not overload (faults.reliability-spec does that): on a busy machine
        // a wait of over 5 s for a pooled connection was answered 503, which is right but not its subject.
        DATABASE_CONNECT_TIMEOUT_MS: '30000',
        // Mail goes to a sink, not to the log (where its links and tokens would be by design).
        SMTP_URL: mail.url,
      },
    });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    const doc = await send(base, { method: 'GET', url: '/docs/openapi.json' });
    const only = new RegExp(process.env.RELIABILITY_OPS ?? '');
    operations = operationsOf(doc.json as Parameters<typeof operationsOf>[0]).filter((op) => only.test(op.id));
  });
  afterAll(async () => {
    closeAgents();
    await t?.close();
    await mail?.stop();
  });

  /** Sends, counts and checks one call. */
  async function fuzz(where: string, item: { kind: string; caller: Caller | string; call: Call }): Promise<Answer> {
    const sendOnce = () =>
      send(base, { ...item.call, headers: { ...item.call.headers, 'x-request-id': randomUUID() } });
    let answer = await sendOnce();
    sent++;
    // 503 UNAVAILABLE says "retry shortly" (a busy CI machine, not the input): a client retries once,
    // and so does the fuzz. An input that causes it gets it again and is reported; the log shows why.
    if (answer.status === 503 && (answer.json as { code?: string } | undefined)?.code === 'UNAVAILABLE') {
      retriedUnavailable++;
      await sleep(1000);
      answer = await sendOnce();
      sent++;
    }
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    findings.check(`${where} as ${item.caller} (${item.kind})`, item.call, answer, item.caller);
    return answer;
  }

  /** Who calls an operation: everyone; platform admins only where they are the intended caller. */
  function callersOf(op: Operation): Caller[] {
    const everyone: Caller[] = ['anonymous', 'apiKey', 'viewer', 'owner'];
    return op.path.startsWith('/v1/admin') ? [...everyone, 'platformAdmin'] : everyone;
  }

  /** The caller that gets furthest into the handler: the one heavy bodies are sent as. */
  function deepestOf(op: Operation): Caller {
    if (op.path.startsWith('/v1/admin')) return 'platformAdmin';
    return op.secured ? 'owner' : 'anonymous';
  }

  /**
   * How far a caller gets before the guards refuse it: bodies are broken field by field only for
   * callers that reach validation (the deepest one, and API keys on tenant routes, which take
   * their own path through authentication).
   */
  function depthOf(op: Operation, caller: Caller): 'light' | 'full' | 'heavy' {
    if (caller === deepestOf(op)) return 'heavy';
    if (caller === 'apiKey' && op.path.startsWith('/v1/orgs/{orgId}/')) return 'full';
    return 'light';
  }

  function rawCases(op: Operation, builder: CaseBuilder, caller: Caller): [string, string][] {
    const call = builder.call(caller);
    const head = (extra: string, url = call.url) =>
      `${op.method} ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      Object.entries(call.headers ?? {})
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      extra;
    const body = typeof call.body === 'string' ? call.body : '';
    const length = `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    return [
      ['bare CR in a header value', `${head(`X-Note: a\rInjected: yes\r\n${length}`)}\r\n${body}`],
      [
        'CRLF smuggling a response header',
        `${head(`X-Request-Id: abc\r\nSet-Cookie: injected=1\r\n${length}`)}\r\n${body}`,
      ],
      ['folded header line', `${head(`X-Note: a\r\n folded: yes\r\n${length}`)}\r\n${body}`],
      ['NUL in a header value', `${head(`X-Note: a\u0000b\r\n${length}`)}\r\n${body}`],
      ['CRLF in the request line', `${head(length, `${call.url}\r\nInjected: yes`)}\r\n${body}`],
      ['LF-only line endings', `${head(length)}\r\n${body}`.replace(/\r\n/g, '\n')],
      [
        'two different Content-Length',
        `${head(`${length}Content-Length: ${Buffer.byteLength(body) + 1}\r\n`)}\r\n${body}`,
      ],
      ['chunked and Content-Length', `${head(`${length}Transfer-Encoding: chunked\r\n`)}\r\n${body}`],
    ];
  }

  /** The raw answer keeps the rules, and nothing the request smuggled in comes back as a header. */
  async function fuzzRaw(where: string, caller: Caller, kind: string, bytes: string): Promise<void> {
    const answer = await sendRaw(base, bytes);
    sent++;
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    const call = { method: 'RAW', url: where, headers: { bytes: bytes.slice(0, 300) } };
    findings.check(`${where} as ${caller} (raw: ${kind})`, call, answer, caller);
    if ('injected' in answer.headers || String(answer.headers['set-cookie'] ?? '').includes('injected')) {
      findings.add('header injected into the answer', where, JSON.stringify(bytes.slice(0, 300)));
    }
  }

  /** After each operation: the server still answers, and no `__proto__` key polluted its objects. */
  async function checkAlive(after: string): Promise<void> {
    const live = await send(base, { method: 'GET', url: '/health/live' });
    if (live.status !== 200) findings.add('server down', after, `GET /health/live → ${live.status || live.error}`);
    // The server runs in this process: a polluted prototype would show here.
    if ('polluted' in {})
      findings.add('Object.prototype polluted', after, 'a body with "__proto__": {"polluted": true}');
  }

  // Its own time limit: the run grows with the number of operations (over 200 now, 1.5 s or so each).
  it('answers every operation, as every caller, with a 4xx problem or a success: never a 5xx or internals', async () => {
    const started = Date.now();
    let fixtures: Fixtures | undefined;
    let properties = 0;
    for (const op of operations) {
      fixtures ??= await makeFixtures(t, mail);
      secrets.push(...fixtures.secrets);
      const builder = new CaseBuilder(op, fixtures);
      const deepest = deepestOf(op);
      const callers = callersOf(op);
      const ownerId = fixtures.ids.userId[0];

      const cases: FuzzCase[] = callers.flatMap((caller) => builder.casesFor(caller, depthOf(op, caller)));
      for (const [kind, authorization] of authorizationCases(fixtures, ownerId)) {
        const call = builder.call('anonymous');
        cases.push({
          kind: `authorization: ${kind}`,
          caller: 'anonymous',
          call: { ...call, headers: { ...call.headers, authorization } },
        });
        secrets.push(authorization.split(' ').pop()!);
      }
      await inParallel(cases, 4, async (item) => void (await fuzz(op.id, item)));
      await inParallel(rawCases(op, builder, deepest), 4, ([kind, bytes]) => fuzzRaw(op.id, deepest, kind, bytes));

      // Property-based: fast-check composes bodies and queries; a failing one is shrunk and reported.
      const property = fc.asyncProperty(
        fc.constantFrom(...callers),
        op.body ? builder.bodyArbitrary() : fc.constant(undefined),
        builder.queryArbitrary(),
        async (caller, body, query) => {
          properties++;
          const call = builder.call(caller, { url: builder.url({}, query), ...(body === undefined ? {} : { body }) });
          const answer = await fuzz(op.id, { kind: 'fast-check', caller, call });
          return answer.status > 0 && answer.status < 500;
        },
      );
      const result = await fc.check(property, { numRuns: 20, seed, interruptAfterTimeLimit: 15_000 });
      if (result.failed)
        findings.add('fast-check counterexample', op.id, `seed ${seed}: ${fc.stringify(result.counterexample)}`);

      if (op.body) {
        const big = builder.tenMegabytes(deepest);
        const answer = await send(base, big.call);
        sent++;
        tenMegabyteAnswers.push({ op: op.id, answer });
        // A cut upload (EPIPE/ECONNRESET) is the known issue 14 point 7, checked on its own below.
        if (answer.status)
          findings.check(`${op.id} as ${deepest} (${big.kind})`, { ...big.call, body: '<10 MB>' }, answer);
      }

      // Valid calls last (as the most powerful caller last): they may delete what the others use.
      for (const caller of callers) await fuzz(op.id, { kind: 'valid', caller, call: builder.call(caller) });
      await checkAlive(op.id);
      if (op.method !== 'GET') fixtures = undefined;
    }

    printFigures('fuzz', {
      operations: operations.length,
      'requests sent': sent,
      'fast-check runs': properties,
      '5xx': [...byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0),
      'no answer': byStatus.get(0) ?? 0,
      'retried after 503 UNAVAILABLE': retriedUnavailable,
      violations: findings.total,
      statuses: [...byStatus]
        .sort(([a], [b]) => a - b)
        .map(([status, n]) => `${status}×${n}`)
        .join(' '),
      seconds: ((Date.now() - started) / 1000).toFixed(1),
      seed,
    });
    // A 5xx is explained by the server's own log line (its error and stack), shown here for CI.
    if (retriedUnavailable > 0 || [...byStatus.keys()].some((status) => status >= 500))
      process.stdout.write(
        `\n[reliability] fuzz warnings and errors in the log:\n${log
          .warnings()
          .slice(-50)
          .map((line) => line.slice(0, 3000))
          .join('\n')}\n`,
      );
    expect(findings.report()).toBe('');
  }, 1_200_000);

  it('logs none of the passwords, tokens or keys that were sent (LOG_LEVEL=info)', () => {
    expect(log.lines).toBeGreaterThan(sent / 2);
    const leaked = log.leaked(secrets);
    printFigures('fuzz log', {
      'log lines': log.lines,
      'secrets checked': new Set(secrets).size,
      'secrets found': leaked.length,
    });
    expect(leaked).toEqual([]);
  });

  // Issue 14 point 7 saw clients get EPIPE instead of the 413.
  it('answers a 10 MB body with 413 that the client can read, not a cut connection', () => {
    expect(tenMegabyteAnswers.length).toBeGreaterThan(0);
    const cut = tenMegabyteAnswers.filter(({ answer }) => answer.status !== 413);
    expect(cut.map(({ op, answer }) => `${op}: ${answer.status || answer.error}`)).toEqual([]);
  });
});
