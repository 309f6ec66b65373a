import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** One request as the suites describe it, so a violation can be reported exactly as it was sent. */
export interface Call {
  method: string;
  /** Path with the query string, already encoded as it goes on the wire. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** An answer, or why none came (status 0 and `error`, e.g. ECONNREFUSED, ECONNRESET, TIMEOUT). */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, when it was JSON. */
  json?: unknown;
  error?: string;
  ms: number;
}

const agents = new Map<string, Agent>();

/** Keep-alive connections per base URL, as a real client pool would hold them. */
function agentFor(base: URL, keepAlive: boolean): Agent | false {
  if (!keepAlive) return false;
  let agent = agents.get(base.host);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(base.host, agent);
  }
  return agent;
}

export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

export interface SendOptions {
  timeoutMs?: number;
  keepAlive?: boolean;
}

/** Sends one call with node:http (no client-side validation beyond Node's own) and never throws. */
export function send(baseUrl: string, call: Call, options: SendOptions = {}): Promise<Answer> {
  const base = new URL(baseUrl);
  const started = performance.now();
  const { timeoutMs = 30_000, keepAlive = true } = options;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<Answer, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...answer, ms: Math.round(performance.now() - started) });
    };
    const headers: Record<string, string> = { ...call.headers };
    if (call.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(Buffer.byteLength(call.body));
    }
    let req: ReturnType<typeof request>;
    try {
      req = request({
        host: base.hostname,
        port: base.port,
        method: call.method,
        path: call.url,
        headers,
        agent: agentFor(base, keepAlive),
        // Node's client refuses headers over 16 KB by default; the server decides here.
        maxHeaderSize: 64 * 1024,
      });
    } catch (error) {
      finish({ status: 0, headers: {}, text: '', error: `CLIENT_REFUSED ${(error as Error).message}` });
      return;
    }
    req.setTimeout(timeoutMs, () => {
      finish({ status: 0, headers: {}, text: '', error: 'TIMEOUT' });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ status: 0, headers: {}, text: '', error: error.code ?? error.message }),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error: NodeJS.ErrnoException) =>
        finish({ status: 0, headers: {}, text: '', error: error.code ?? error.message }),
      );
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        finish({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
      });
    });
    req.end(call.body);
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends bytes no HTTP client would send (CRLF inside a header) and parses whatever comes back. */
export function sendRaw(baseUrl: string, bytes: string, timeoutMs = 10_000): Promise<Answer> {
  const base = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(base.port), base.hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const done = (error?: string) => {
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: IncomingHttpHeaders = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const text = rest.join('\r\n\r\n');
      resolve({
        status,
        headers,
        text,
        json: parseJson(text),
        error: status ? undefined : (error ?? 'NO_ANSWER'),
        ms: Math.round(performance.now() - started),
      });
    };
    socket.setTimeout(timeoutMs, () => done('TIMEOUT'));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => done());
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code));
  });
}

/** Runs `work` over `items` with at most `concurrency` at a time, in order of start. */
export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
