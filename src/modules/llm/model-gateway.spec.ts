import { startStubLlm, type StubLlm } from '../../../test/support/stub-llm';
import { loadConfig } from '../../config/app-config';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import type { AiProvider } from '../../generated/prisma/enums';
import { acceptsImages, ModelCallError, ModelGateway, type ModelCall, type UsableProviderKey } from './model-gateway';
import { costUsd } from './model-prices';

/** The gateway against the stub servers on loopback, through the real SDKs. */
describe('ModelGateway (against stub OpenAI and Anthropic servers)', () => {
  let stub: StubLlm;
  let gateway: ModelGateway;

  const gatewayWith = (env: Record<string, string>) => {
    const config = loadConfig({ NODE_ENV: 'test', ...env });
    return new ModelGateway(config, new OutboundPolicy(config));
  };

  beforeAll(async () => {
    stub = await startStubLlm();
    gateway = gatewayWith({ OUTBOUND_ALLOW_PRIVATE: 'true', LLM_TIMEOUT_MS: '1500' });
  });
  afterEach(() => stub.reset());
  afterAll(() => stub.close());

  const keyFor = (provider: AiProvider, overrides: Partial<UsableProviderKey> = {}): UsableProviderKey => ({
    id: 'k1',
    provider,
    apiKey: stub.apiKey,
    baseUrl: provider === 'ANTHROPIC' ? stub.anthropicBaseUrl : stub.openaiBaseUrl,
    defaultModel: null,
    ...overrides,
  });
  const call = (provider: AiProvider, extra: Partial<ModelCall> = {}): ModelCall => ({
    key: keyFor(provider),
    model: provider === 'ANTHROPIC' ? 'claude-3-5-haiku-latest' : 'gpt-4o-mini',
    system: 'You are terse.',
    messages: [
      { role: 'user', content: 'Hello there' },
      { role: 'assistant', content: 'Hi' },
      { role: 'user', content: 'What is two plus two?' },
    ],
    ...extra,
  });

  describe.each(['OPENAI', 'ANTHROPIC', 'OPENAI_COMPATIBLE'] as const)('%s', (provider) => {
    it('completes: text, model, tokens from the response, cost from the price table', async () => {
      stub.reply((req) => ({ text: `four (${req.messages.length} messages)`, inputTokens: 1000, outputTokens: 2000 }));
      const reply = await gateway.complete(call(provider, { maxTokens: 50, temperature: 0 }));
      expect(reply).toMatchObject({ text: 'four (3 messages)', inputTokens: 1000, outputTokens: 2000 });
      expect(reply.model).toBe(call(provider).model);
      expect(reply.latencyMs).toBeGreaterThanOrEqual(0);
      if (provider === 'OPENAI_COMPATIBLE') expect(reply.costUsd).toBeNull();
      else expect(reply.costUsd).toBe(provider === 'OPENAI' ? 0.00135 : 0.0088);

      const [req] = stub.requests;
      expect(req).toMatchObject({
        provider: provider === 'ANTHROPIC' ? 'anthropic' : 'openai',
        apiKey: stub.apiKey,
        model: call(provider).model,
        system: 'You are terse.',
        stream: false,
      });
      expect(req!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      if (provider === 'ANTHROPIC') expect(req!.body).toMatchObject({ max_tokens: 50, temperature: 0 });
      if (provider === 'OPENAI') expect(req!.body).toMatchObject({ max_completion_tokens: 50 });
      if (provider === 'OPENAI_COMPATIBLE') expect(req!.body).toMatchObject({ max_tokens: 50 });
      if (provider !== 'ANTHROPIC') expect(req!.headers.authorization).toBe(`Bearer ${stub.apiKey}`);
    });

    it('streams: each fragment to onDelta, the whole reply and the usage at the end', async () => {
      stub.reply(() => ({ text: 'The answer is four.', inputTokens: 12, outputTokens: 5 }));
      const deltas: string[] = [];
      const reply = await gateway.stream(call(provider), (delta) => deltas.push(delta));
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('The answer is four.');
      expect(reply).toMatchObject({ text: 'The answer is four.', inputTokens: 12, outputTokens: 5 });
      expect(stub.requests[0]).toMatchObject({ stream: true, system: 'You are terse.' });
    });

    it('429 is retryable and carries Retry-After; 500 is retryable; 400 and 401 are not', async () => {
      stub.failNext({ status: 429, retryAfter: 7 }, { status: 500 }, { status: 400, message: 'bad model' });
      const limited = await gateway.complete(call(provider)).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(ModelCallError);
      expect(limited).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
      await expect(gateway.complete(call(provider))).rejects.toMatchObject({ retryable: true, status: 500 });
      await expect(gateway.stream(call(provider), () => undefined)).rejects.toMatchObject({
        retryable: false,
        status: 400,
        message: expect.stringContaining('bad model'),
      });
      const wrongKey = call(provider, { key: keyFor(provider, { apiKey: 'sk-wrong-secret-123456' }) });
      const denied = (await gateway.complete(wrongKey).catch((e: unknown) => e)) as ModelCallError;
      expect(denied).toMatchObject({ retryable: false, status: 401 });
      expect(denied.message).not.toContain('sk-wrong-secret-123456');
      // One request each: the SDKs do not retry by themselves.
      expect(stub.requests).toHaveLength(4);
    });

    it('aborts through the signal (not retryable), before the reply and in the middle of a stream', async () => {
      stub.reply(() => ({ text: 'slow', delayMs: 2000 }));
      const before = new AbortController();
      setTimeout(() => before.abort(), 100);
      await expect(gateway.complete(call(provider, { signal: before.signal }))).rejects.toMatchObject({
        retryable: false,
        message: 'The model call was aborted',
      });
      stub.reply(() => ({ text: 'one two three four five six', chunkDelayMs: 150 }));
      const during = new AbortController();
      const deltas: string[] = [];
      const streamed = gateway.stream(call(provider, { signal: during.signal }), (delta) => {
        deltas.push(delta);
        during.abort();
      });
      await expect(streamed).rejects.toMatchObject({ retryable: false });
      expect(deltas.length).toBeLessThan(6);
    });

    it('a reply slower than LLM_TIMEOUT_MS is a retryable timeout', async () => {
      stub.reply(() => ({ text: 'late', delayMs: 3000 }));
      await expect(gateway.complete(call(provider))).rejects.toMatchObject({
        retryable: true,
        message: 'The model call timed out',
      });
    });

    it('lists models with the key (the key test)', async () => {
      expect(await gateway.listModels(keyFor(provider))).toEqual(stub.models);
      await expect(gateway.listModels(keyFor(provider, { apiKey: 'nope' }))).rejects.toMatchObject({
        status: 401,
        retryable: false,
      });
    });
  });

  it("sends the key's own credentials only, never the server's SDK environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      OPENAI_ORG_ID: 'org-server',
      OPENAI_PROJECT_ID: 'proj-server',
      ANTHROPIC_AUTH_TOKEN: 'server-token',
    });
    try {
      await gateway.complete(call('OPENAI'));
      await gateway.complete(call('ANTHROPIC'));
    } finally {
      process.env = saved;
    }
    const headers = stub.requests.map((r) => r.headers);
    expect(headers[0]).not.toHaveProperty('openai-organization');
    expect(headers[0]).not.toHaveProperty('openai-project');
    expect(JSON.stringify(headers)).not.toContain('server-token');
    expect(stub.requests.map((r) => r.apiKey)).toEqual([stub.apiKey, stub.apiKey]);
  });

  it('a refused connection is retryable', async () => {
    const closed = await startStubLlm();
    await closed.close();
    await expect(
      gateway.complete(call('OPENAI', { key: keyFor('OPENAI', { baseUrl: closed.openaiBaseUrl }) })),
    ).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  describe('attachments of a user turn', () => {
    const PNG = Buffer.from('fake-png-bytes').toString('base64');
    const withFiles = (provider: AiProvider, model: string): ModelCall => ({
      ...call(provider, { model }),
      messages: [
        {
          role: 'user',
          content: 'Summarize these',
          attachments: [
            { fileName: 'notes.txt', contentType: 'text/plain', text: 'Line one' },
            { fileName: 'chart.png', contentType: 'image/png', imageBase64: PNG },
          ],
        },
      ],
    });
    const TEXT = 'Summarize these\n\n--- Attachment: notes.txt ---\nLine one\n--- End of notes.txt ---';

    it('OpenAI: text appended to the turn, the image as an image_url data: URL', async () => {
      await gateway.complete(withFiles('OPENAI', 'gpt-4o-mini'));
      expect(stub.requests[0]!.body!.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: TEXT },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ]);
    });

    it('Anthropic: text appended to the turn, the image as a base64 image block', async () => {
      await gateway.stream(withFiles('ANTHROPIC', 'claude-3-5-haiku-latest'), () => undefined);
      expect(stub.requests[0]!.body!.messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: TEXT },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
      ]);
    });

    it('a model that takes no images gets a note instead, and plain string content', async () => {
      const note = `${TEXT}\n\n[Image chart.png omitted: this model does not accept images]`;
      await gateway.complete(withFiles('OPENAI_COMPATIBLE', 'llama-3-8b'));
      await gateway.complete(withFiles('ANTHROPIC', 'claude-2.1'));
      expect(stub.requests[0]!.body!.messages).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: note },
      ]);
      expect(stub.requests[1]!.body!.messages).toEqual([{ role: 'user', content: note }]);
    });

    it('Anthropic: an opening assistant greeting goes to the system prompt, so the user speaks first', async () => {
      await gateway.complete({
        ...call('ANTHROPIC'),
        messages: [
          { role: 'assistant', content: 'Hi! How can I help?' },
          { role: 'user', content: 'Refunds?' },
        ],
      });
      expect(stub.requests[0]!.body).toMatchObject({
        system: 'You are terse.\n\nYou opened this conversation with: Hi! How can I help?',
        messages: [{ role: 'user', content: 'Refunds?' }],
      });
    });

    it('assistant turns and turns without files are sent as plain text, with no attachments field', async () => {
      await gateway.complete(call('OPENAI'));
      const sent = stub.requests[0]!.body!.messages as Record<string, unknown>[];
      expect(sent.every((message) => typeof message.content === 'string' && !('attachments' in message))).toBe(true);
    });

    it('knows which models take images', () => {
      for (const model of [
        'gpt-4o',
        'gpt-4o-mini',
        'gpt-4.1-nano',
        'gpt-5',
        'o3-mini',
        'o1',
        'claude-3-5-haiku-latest',
      ])
        expect(acceptsImages(model)).toBe(true);
      for (const model of ['claude-sonnet-4-5', 'claude-opus-4-1']) expect(acceptsImages(model)).toBe(true);
      for (const model of ['gpt-3.5-turbo', 'llama-3-8b', 'claude-2.1', 'olmo-7b', 'stub-model'])
        expect(acceptsImages(model)).toBe(false);
    });
  });

  it('without OUTBOUND_ALLOW_PRIVATE the loopback stub is refused at connect time, not retryable', async () => {
    const strict = gatewayWith({});
    for (const baseUrl of [stub.openaiBaseUrl, stub.openaiBaseUrl.replace('127.0.0.1', 'localhost')]) {
      await expect(strict.complete(call('OPENAI', { key: keyFor('OPENAI', { baseUrl }) }))).rejects.toMatchObject({
        retryable: false,
        message: expect.stringContaining('loopback'),
      });
    }
    expect(stub.requests).toHaveLength(0);
  });
});

describe('costUsd', () => {
  it('prices known models and their dated variants, nothing else', () => {
    expect(costUsd('OPENAI', 'gpt-4o-mini', 1_000_000, 1_000_000)).toBe(0.75);
    expect(costUsd('OPENAI', 'gpt-4o-mini-2024-07-18', 1_000_000, 0)).toBe(0.15);
    expect(costUsd('OPENAI', 'gpt-4o', 1_000_000, 0)).toBe(2.5);
    expect(costUsd('OPENAI', 'gpt-4o-audio-preview', 1000, 1000)).toBeNull();
    expect(costUsd('ANTHROPIC', 'claude-3-5-haiku-20241022', 1_000_000, 1_000_000)).toBe(4.8);
    expect(costUsd('ANTHROPIC', 'claude-sonnet-4-5', 1000, 1000)).toBe(0.018);
    expect(costUsd('OPENAI', 'my-model', 10, 10)).toBeNull();
    expect(costUsd('OPENAI_COMPATIBLE', 'gpt-4o-mini', 10, 10)).toBeNull();
  });
});
