import type { Answer, Call } from './http-client';

/**
 * What no answer may hold: a stack frame, SQL or a database message, Prisma's text, a file path.
 * What the request itself sent is taken out first: an echo of the input is not a leak.
 */
const LEAKS: [string, RegExp][] = [
  ['stack trace', /\bat [\w$.<>]+ \(|\n\s+at \S/],
  ['file path', /(\/(src|dist|node_modules|home|root|usr|work|tmp)\/[\w./-]+|\.(ts|js):\d+)/],
  [
    'SQL',
    /\b(SELECT\s+[\w"*]|INSERT\s+INTO|UPDATE\s+"?\w+"?\s+SET|DELETE\s+FROM|syntax error at|violates|relation "|column "|SQLSTATE)/i,
  ],
  ['Prisma text', /prisma|Invalid `|\bP[12]\d{3}\b|DriverAdapter/i],
];

/** The strings a call sent (body keys and values, query values): an answer may echo them. */
function sentStrings(call: Call): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        found.push(key);
        walk(child);
      }
    }
  };
  try {
    walk(JSON.parse(String(call.body ?? 'null')));
  } catch {
    found.push(String(call.body ?? ''));
  }
  for (const value of new URL(call.url, 'http://x').searchParams.values()) found.push(value);
  return found.filter((text) => text.length >= 3).sort((a, b) => b.length - a.length);
}

/** The answer without what the call itself sent, so an echo of the input is not taken for a leak. */
function withoutEcho(text: string, call: Call): string {
  let rest = text;
  for (const sent of sentStrings(call)) {
    for (const form of [sent, JSON.stringify(sent).slice(1, -1)]) rest = rest.split(form).join('');
  }
  return rest;
}

/** The rules every answer must keep, whatever was sent. Returns the broken ones. */
export function brokenRules(answer: Answer, call?: Call): string[] {
  const broken: string[] = [];
  if (answer.status === 0) return [`no answer (${answer.error})`];
  if (answer.status >= 500) broken.push(`${answer.status} ${problemCode(answer) ?? ''}`.trim());
  if (answer.status >= 400) {
    const type = String(answer.headers['content-type'] ?? '');
    if (!type.startsWith('application/problem+json'))
      broken.push(`${answer.status} not problem+json (${type || 'no type'})`);
    else if (!problemCode(answer)) broken.push(`${answer.status} problem+json without a code`);
  }
  const text = call ? withoutEcho(answer.text, call) : answer.text;
  for (const [kind, pattern] of LEAKS) {
    const match = pattern.exec(text);
    if (match) broken.push(`${kind} in body: "${excerpt(match[0], 60)}"`);
  }
  return broken;
}

export function problemCode(answer: Answer): string | undefined {
  const code = (answer.json as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function excerpt(text: string, max = 160): string {
  const printable = JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  return printable.slice(1, -1);
}

/** A request as a line a developer can replay: method, URL, headers and body, long values cut. */
export function describeCall(call: Call, caller?: string): string {
  const headers = Object.entries(call.headers ?? {})
    .filter(([name]) => name.toLowerCase() !== 'x-request-id')
    .map(([name, value]) =>
      name.toLowerCase() === 'authorization' && caller ? `${name}: <${caller}>` : `${name}: ${excerpt(value, 60)}`,
    );
  const body =
    call.body === undefined ? '' : ` body=${excerpt(Buffer.isBuffer(call.body) ? call.body.toString() : call.body)}`;
  return `${call.method} ${excerpt(call.url, 200)}${headers.length ? ` [${headers.join('; ')}]` : ''}${body}`;
}

interface Finding {
  rule: string;
  count: number;
  example: string;
}

/**
 * Violations grouped by rule and operation, each with one exact example and a count, so a run
 * that breaks one rule a thousand times still prints a readable report.
 */
export class Findings {
  private readonly byKey = new Map<string, Finding>();

  add(rule: string, where: string, example: string): void {
    const key = `${rule} @ ${where}`;
    const found = this.byKey.get(key);
    if (found) found.count++;
    else this.byKey.set(key, { rule: key, count: 1, example });
  }

  /** Checks one answer against the rules; true when it kept them all. */
  check(where: string, call: Call, answer: Answer, caller?: string): boolean {
    const broken = brokenRules(answer, call);
    for (const rule of broken) {
      this.add(rule, where, `${describeCall(call, caller)} → ${answer.status || answer.error} ${excerpt(answer.text)}`);
    }
    return broken.length === 0;
  }

  get total(): number {
    return [...this.byKey.values()].reduce((sum, finding) => sum + finding.count, 0);
  }

  count(rule: RegExp): number {
    return [...this.byKey.values()].filter((f) => rule.test(f.rule)).reduce((sum, f) => sum + f.count, 0);
  }

  /** One paragraph per rule and operation: what broke, how often, and one request that shows it. */
  report(): string {
    return [...this.byKey.values()].map((f) => `  ${f.count} × ${f.rule}\n      e.g. ${f.example}`).join('\n');
  }
}

/** Prints a part's figures as one line that stands out in the test output. */
export function printFigures(part: string, figures: Record<string, string | number>): void {
  const line = Object.entries(figures)
    .map(([name, value]) => `${name} ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`)
    .join(', ');
  process.stdout.write(`\n[reliability] ${part}: ${line}\n`);
}
