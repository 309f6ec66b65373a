import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stub OpenAI and Anthropic HTTP servers on loopback, for tests that call models for real
 * through the official SDKs (ModelGateway, provider-key tests, runs).
 *
 *   const stub = await startStubLlm();                  // 127.0.0.1:<free port>, both APIs
 *   stub.openaiBaseUrl     // `${url}/v1`: baseUrl of an OPENAI / OPENAI_COMPATIBLE key
 *   stub.anthropicBaseUrl  // `${url}`: baseUrl of an ANTHROPIC key (the SDK appends /v1/messages)
 *   stub.apiKey            // the one key accepted (option `apiKeys` for more); others get 401
 *   stub.reply((req) => `echo: ${req.messages.at(-1)?.content}`);   // script the replies
 *   stub.reply(() => ({ status: 429, retryAfter: 1 }));            // or fail, or go slow
 *   stub.failNext({ status: 500 }, { status: 429 });                // then the script again (also /v1/models)
 *   stub.requests          // every request received: provider, path, headers, apiKey, model, system, messages, stream
 *   stub.modelsDelayMs = 1500  // /v1/models answers this much later
 *   stub.reset()           // forget requests, queued failures, the script (back to the default) and the delay
 *   await stub.close()
 *
 * Routes: `POST /v1/chat/completions` (OpenAI; plain, or SSE with `stream: true`, usage in the
 * last chunk when `stream_options.include_usage`), `POST /v1/messages` (Anthropic; plain, or SSE
 * events message_start … message_stop), `GET /v1/models` (either shape: a request with an
 * `anthropic-version` or `x-api-key` header is Anthropic's). The key is the Bearer token, or
 * Anthropic's x-api-key. Errors have each provider's error body shape.
 *
 * A reply is a string (the assistant's text) or a StubReply: `text`, `chunks` (the stream's
 * fragments; default: word by word), `inputTokens`/`outputTokens` (default: word counts of the
 * request's system + messages and of the reply), `delayMs` (before answering), `chunkDelayMs`
 * (between streamed fragments), `dropAfterChunks` (a stream that breaks: the connection is cut
 * after that many fragments), `model` (echoed; default the requested one), or a failure:
 * `status` (>= 400) with optional `retryAfter` seconds and `message`.
 */
export interface StubRequest {
  provider: 'openai' | 'anthropic';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The key presented: the Bearer token (OpenAI) or x-api-key (Anthropic). */
  apiKey: string | null;
  body: Record<string, unknown> | null;
  model: string | null;
  /** The system prompt: OpenAI system messages joined, or Anthropic's `system`. */
  system: string | null;
  /** The conversation without system messages. */
  messages: { role: string; content: string }[];
  stream: boolean;
}

export interface StubReply {
  text?: string;
  chunks?: string[];
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  delayMs?: number;
  chunkDelayMs?: number;
  /** Cut the connection after this many streamed fragments (a provider failing mid-stream). */
  dropAfterChunks?: number;
  /** A failure status (429, 500, 400, …): the reply is that provider's error body. */
  status?: number;
  /** Seconds, sent as Retry-After with a failure. */
  retryAfter?: number;
  message?: string;
}

export type StubScript = (request: StubRequest) => string | StubReply | Promise<string | StubReply>;

export interface StubLlm {
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  apiKey: string;
  requests: StubRequest[];
  /** The models /v1/models lists. */
  models: string[];
  /** How long /v1/models takes to answer (0: at once). */
  modelsDelayMs: number;
  reply(script: StubScript): void;
  failNext(...failures: StubReply[]): void;
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_KEY = 'sk-stub-valid-key-0000';
const defaultScript: StubScript = (request) => `Stub reply to: ${request.messages.at(-1)?.content ?? ''}`;
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('');
  return '';
}

function describe(req: IncomingMessage, path: string, body: Record<string, unknown> | null): StubRequest {
  const anthropic = path.startsWith('/v1/messages') || !!req.headers['anthropic-version'] || !!req.headers['x-api-key'];
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
  // Anthropic's SDK sends x-api-key or (newer versions) a Bearer token.
  const apiKey = anthropic ? ((req.headers['x-api-key'] as string | undefined) ?? bearer) : bearer;
  const raw = (Array.isArray(body?.messages) ? body.messages : []) as { role: string; content: unknown }[];
  const all = raw.map((m) => ({ role: m.role, content: textOf(m.content) }));
  const systemParts = anthropic
    ? body?.system === undefined
      ? []
      : [textOf(body.system)]
    : all.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content);
  return {
    provider: anthropic ? 'anthropic' : 'openai',
    method: req.method ?? 'GET',
    path,
    headers: req.headers,
    apiKey,
    body,
    model: typeof body?.model === 'string' ? body.model : null,
    system: systemParts.length ? systemParts.join('\n') : null,
    messages: all.filter((m) => m.role !== 'system' && m.role !== 'developer'),
    stream: body?.stream === true,
  };
}

function sendError(res: ServerResponse, request: StubRequest, status: number, message: string, retryAfter?: number) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error';
  const body =
    request.provider === 'anthropic'
      ? { type: 'error', error: { type, message } }
      : { error: { message, type, code: status === 401 ? 'invalid_api_key' : null } };
  res.writeHead(status, headers).end(JSON.stringify(body));
}

/** Breaks the connection once what was written has had time to leave. */
async function drop(res: ServerResponse): Promise<void> {
  await sleep(50);
  res.destroy();
}

function sse(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return (data: unknown, event?: string) =>
    res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

async function answer(res: ServerResponse, request: StubRequest, reply: StubReply, closed: () => boolean) {
  const text = reply.text ?? '';
  const model = reply.model ?? request.model ?? 'stub-model';
  const inputTokens =
    reply.inputTokens ?? words([request.system ?? '', ...request.messages.map((m) => m.content)].join(' '));
  const outputTokens = reply.outputTokens ?? words(text);
  const chunks = reply.chunks ?? text.match(/\S+\s*|\s+/g) ?? [];
  const pause = () => (reply.chunkDelayMs ? sleep(reply.chunkDelayMs) : Promise.resolve());
  const created = Math.floor(Date.now() / 1000);

  if (request.provider === 'openai') {
    const id = `chatcmpl-stub-${created}`;
    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
          usage: {
            prompt_tokens: inputTokens,
            completion_tokens: outputTokens,
            total_tokens: inputTokens + outputTokens,
          },
        }),
      );
      return;
    }
    const send = sse(res);
    const chunk = (delta: object, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    send(chunk({ role: 'assistant', content: '' }, null));
    for (const [index, piece] of chunks.entries()) {
      await pause();
      if (closed()) return;
      if (index === reply.dropAfterChunks) return drop(res);
      send(chunk({ content: piece }, null));
    }
    send(chunk({}, 'stop'));
    const options = request.body?.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage)
      send({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        choices: [],
        usage: {
          prompt_tokens: inputTokens,
          completion_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
        },
      });
    send('[DONE]');
    res.end();
    return;
  }

  const id = `msg_stub_${created}`;
  if (!request.stream) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
      }),
    );
    return;
  }
  const send = sse(res);
  send(
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    },
    'message_start',
  );
  send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
  for (const [index, piece] of chunks.entries()) {
    await pause();
    if (closed()) return;
    if (index === reply.dropAfterChunks) return drop(res);
    send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }, 'content_block_delta');
  }
  send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
  send(
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: outputTokens },
    },
    'message_delta',
  );
  send({ type: 'message_stop' }, 'message_stop');
  res.end();
}

function listModels(res: ServerResponse, request: StubRequest, models: string[]) {
  const body =
    request.provider === 'anthropic'
      ? {
          data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
          has_more: false,
          first_id: models[0] ?? null,
          last_id: models.at(-1) ?? null,
        }
      : { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'stub' })) };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function parseBody(chunks: Buffer[]): Record<string, unknown> | null {
  try {
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Starts both stub APIs on one loopback port. */
export async function startStubLlm(options: { apiKeys?: string[] } = {}): Promise<StubLlm> {
  const keys = options.apiKeys ?? [DEFAULT_KEY];
  let script: StubScript = defaultScript;
  const failures: StubReply[] = [];
  const stub = {
    requests: [] as StubRequest[],
    models: ['gpt-4o-mini', 'claude-3-5-haiku-latest', 'stub-model'],
    modelsDelayMs: 0,
  } as StubLlm;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0]!;
        const request = describe(req, path, parseBody(chunks));
        stub.requests.push(request);
        let closed = false;
        res.on('close', () => (closed = true));
        if (!request.apiKey || !keys.includes(request.apiKey))
          return sendError(res, request, 401, 'Incorrect API key provided');
        if (req.method === 'GET' && path === '/v1/models') {
          const failure = failures.shift();
          if (failure?.status) return sendError(res, request, failure.status, failure.message ?? 'Stub failure');
          if (stub.modelsDelayMs) await sleep(stub.modelsDelayMs);
          return listModels(res, request, stub.models);
        }
        if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/messages'))
          return sendError(res, request, 404, `No route ${req.method} ${path}`);
        const scripted = failures.shift() ?? (await script(request));
        const reply: StubReply = typeof scripted === 'string' ? { text: scripted } : scripted;
        if (reply.delayMs) await sleep(reply.delayMs);
        if (closed) return;
        if (reply.status && reply.status >= 400)
          return sendError(
            res,
            request,
            reply.status,
            reply.message ?? `Stub failure ${reply.status}`,
            reply.retryAfter,
          );
        await answer(res, request, reply, () => closed);
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(stub, {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    apiKey: keys[0]!,
    reply: (next: StubScript) => void (script = next),
    failNext: (...next: StubReply[]) => void failures.push(...next),
    reset: () => {
      stub.requests.length = 0;
      failures.length = 0;
      script = defaultScript;
      stub.modelsDelayMs = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
