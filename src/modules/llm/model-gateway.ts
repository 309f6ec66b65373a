import { performance } from 'node:perf_hooks';
import Anthropic from '@anthropic-ai/sdk';
import { Injectable } from '@nestjs/common';
import OpenAI from 'openai';
import { AppConfig } from '../../config/app-config';
import { OutboundRefusedError } from '../../common/outbound/outbound-policy';
import { OutboundPolicy } from '../../common/outbound/outbound.service';
import type { AiProvider } from '../../generated/prisma/enums';
import { costUsd } from './model-prices';

// CONTRACT (issue 9): the provider-keys helper implements this file; the runs helper calls it.
// Signatures may gain optional fields, never lose or change existing ones.

/** A provider key ready to call with: decrypted, checked active and usable by the caller. */
export interface UsableProviderKey {
  id: string;
  provider: AiProvider;
  apiKey: string;
  /** Required for OPENAI_COMPATIBLE; optional override for OPENAI/ANTHROPIC. */
  baseUrl: string | null;
  defaultModel: string | null;
}

/** A file sent with a user turn (issue 10): text files go to the model as text, images as images. */
export interface AttachmentForModel {
  fileName: string;
  contentType: string;
  /** The file's text, for text/* and other text-like types. */
  text?: string;
  /** The file's bytes, base64, for image/* types (only models that accept images get them). */
  imageBase64?: string;
}

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
  /** Files attached to a user turn; the gateway renders them per provider. */
  attachments?: AttachmentForModel[];
}

export interface ModelCall {
  key: UsableProviderKey;
  model: string;
  /** The system message (a rendered prompt). */
  system?: string;
  messages: ChatTurn[];
  maxTokens?: number;
  temperature?: number;
  /** Aborts the HTTP call (run cancelled, client gone). */
  signal?: AbortSignal;
}

export interface ModelReply {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** From the price table when the model is known, else null. */
  costUsd: number | null;
  latencyMs: number;
}

/**
 * A failed model call. `retryable`: worth trying again later (429, 5xx, timeout, connection
 * refused); not retryable: 400/401/403/404, unknown model, aborted.
 */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** From the provider's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/** Anthropic requires max_tokens; this is what a call without maxTokens asks for. */
export const DEFAULT_MAX_TOKENS = 1024;

interface Completion {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/**
 * Calls a model through the official SDKs (`openai`, `@anthropic-ai/sdk`); OPENAI_COMPATIBLE is
 * the OpenAI client at the key's baseUrl. The SDKs do not retry (retries belong to the job queue,
 * which reads ModelCallError.retryable), time out after LLM_TIMEOUT_MS, and connect through the
 * outbound policy's fetch, so a base URL that now resolves to a refused address is not reached.
 */
@Injectable()
export class ModelGateway {
  constructor(
    private readonly config: AppConfig,
    private readonly outbound: OutboundPolicy,
  ) {}

  /** One completion. Throws ModelCallError. */
  complete(call: ModelCall): Promise<ModelReply> {
    return this.run(call);
  }

  /** The same, streamed: `onDelta` gets each text fragment; resolves with the whole reply. */
  stream(call: ModelCall, onDelta: (text: string) => void): Promise<ModelReply> {
    return this.run(call, onDelta);
  }

  /**
   * The cheapest real call a key allows: list the provider's models. Resolves when the key works;
   * throws ModelCallError otherwise (for `POST /provider-keys/{id}/test`).
   */
  async listModels(key: UsableProviderKey, signal?: AbortSignal): Promise<string[]> {
    try {
      const page =
        key.provider === 'ANTHROPIC'
          ? await this.anthropicClient(key).models.list({ limit: 20 }, { signal })
          : await this.openaiClient(key).models.list({ signal });
      return page.data.map((model) => model.id);
    } catch (error) {
      throw modelCallError(error, key.apiKey, signal);
    }
  }

  private async run(call: ModelCall, onDelta?: (text: string) => void): Promise<ModelReply> {
    const started = performance.now();
    let result: Completion;
    try {
      result =
        call.key.provider === 'ANTHROPIC' ? await this.anthropic(call, onDelta) : await this.openai(call, onDelta);
    } catch (error) {
      throw modelCallError(error, call.key.apiKey, call.signal);
    }
    return {
      ...result,
      costUsd: costUsd(call.key.provider, result.model, result.inputTokens, result.outputTokens),
      latencyMs: Math.round(performance.now() - started),
    };
  }

  // Everything the SDKs would otherwise read from the server's environment (OPENAI_BASE_URL,
  // OPENAI_ORG_ID, ANTHROPIC_AUTH_TOKEN, …) is set here: a user's call carries the user's key only.
  private openaiClient(key: UsableProviderKey): OpenAI {
    return new OpenAI({
      ...this.clientOptions(key, OPENAI_BASE_URL),
      organization: null,
      project: null,
      adminAPIKey: null,
    });
  }

  private anthropicClient(key: UsableProviderKey): Anthropic {
    return new Anthropic({ ...this.clientOptions(key, ANTHROPIC_BASE_URL), authToken: null });
  }

  /** Both SDKs take these alike: no retries of their own, our timeout, the policed fetch. */
  private clientOptions(key: UsableProviderKey, defaultBaseUrl: string) {
    return {
      apiKey: key.apiKey,
      baseURL: key.baseUrl ?? defaultBaseUrl,
      maxRetries: 0,
      timeout: this.config.LLM_TIMEOUT_MS,
      fetch: this.outbound.fetch,
    };
  }

  private async openai(call: ModelCall, onDelta?: (text: string) => void): Promise<Completion> {
    const client = this.openaiClient(call.key);
    const images = acceptsImages(call.model);
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      ...(call.system ? [{ role: 'system' as const, content: call.system }] : []),
      ...call.messages.map((turn) => openaiTurn(turn, images)),
    ];
    // OpenAI's newer models take only max_completion_tokens; compatible servers know max_tokens.
    const limit =
      call.maxTokens === undefined
        ? {}
        : call.key.provider === 'OPENAI'
          ? { max_completion_tokens: call.maxTokens }
          : { max_tokens: call.maxTokens };
    const params = { model: call.model, messages, temperature: call.temperature, ...limit };
    if (!onDelta) {
      const reply = await client.chat.completions.create({ ...params, stream: false }, { signal: call.signal });
      return {
        text: reply.choices[0]?.message?.content ?? '',
        model: reply.model || call.model,
        inputTokens: reply.usage?.prompt_tokens ?? 0,
        outputTokens: reply.usage?.completion_tokens ?? 0,
      };
    }
    const stream = await client.chat.completions.create(
      { ...params, stream: true, stream_options: { include_usage: true } },
      { signal: call.signal },
    );
    const result: Completion = { text: '', model: call.model, inputTokens: 0, outputTokens: 0 };
    for await (const chunk of stream) {
      if (chunk.model) result.model = chunk.model;
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        result.text += delta;
        onDelta(delta);
      }
      if (chunk.usage) {
        result.inputTokens = chunk.usage.prompt_tokens;
        result.outputTokens = chunk.usage.completion_tokens;
      }
    }
    return result;
  }

  private async anthropic(call: ModelCall, onDelta?: (text: string) => void): Promise<Completion> {
    const client = this.anthropicClient(call.key);
    const { system, messages } = userFirst(call);
    const params = {
      model: call.model,
      max_tokens: call.maxTokens ?? DEFAULT_MAX_TOKENS,
      messages: messages.map((turn) => anthropicTurn(turn, acceptsImages(call.model))),
      ...(system ? { system } : {}),
      ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
    };
    if (!onDelta) {
      const reply = await client.messages.create({ ...params, stream: false }, { signal: call.signal });
      return {
        text: reply.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
        model: reply.model || call.model,
        inputTokens: reply.usage.input_tokens,
        outputTokens: reply.usage.output_tokens,
      };
    }
    const stream = await client.messages.create({ ...params, stream: true }, { signal: call.signal });
    const result: Completion = { text: '', model: call.model, inputTokens: 0, outputTokens: 0 };
    for await (const event of stream) {
      if (event.type === 'message_start') {
        result.model = event.message.model || call.model;
        result.inputTokens = event.message.usage.input_tokens;
        result.outputTokens = event.message.usage.output_tokens;
      } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        result.text += event.delta.text;
        onDelta(event.delta.text);
      } else if (event.type === 'message_delta') {
        result.outputTokens = event.usage.output_tokens;
      }
    }
    return result;
  }
}

/**
 * Models that take images, by name: gpt-4o*, gpt-4.1*, gpt-5*, o1/o3/o4…, claude-3*, claude-<family>-4*.
 * Other models get a short note in place of each image (OPENAI_COMPATIBLE servers included: their
 * model names say nothing reliable).
 */
const IMAGE_MODELS = /^(gpt-4o|gpt-4\.1|gpt-5|o\d|claude-3|claude-[a-z]+-4)/;

export function acceptsImages(model: string): boolean {
  return IMAGE_MODELS.test(model);
}

interface TurnImage {
  contentType: string;
  base64: string;
}

/**
 * A user turn's text with its text attachments appended (each labelled with its file name), and
 * its images when the model takes them (else a note that each was left out).
 */
export function turnContent(turn: ChatTurn, images: boolean): { text: string; images: TurnImage[] } {
  let text = turn.content;
  const parts: TurnImage[] = [];
  for (const file of turn.attachments ?? []) {
    if (file.text !== undefined) {
      text += `\n\n--- Attachment: ${file.fileName} ---\n${file.text}\n--- End of ${file.fileName} ---`;
    } else if (file.imageBase64 !== undefined && images) {
      parts.push({ contentType: file.contentType, base64: file.imageBase64 });
    } else if (file.imageBase64 !== undefined) {
      text += `\n\n[Image ${file.fileName} omitted: this model does not accept images]`;
    } else {
      text += `\n\n[Attachment ${file.fileName} (${file.contentType}) omitted: not text or an image]`;
    }
  }
  return { text, images: parts };
}

/** A turn as both APIs take it: plain text, or a text part followed by the images in the provider's shape. */
function providerTurn<P>(turn: ChatTurn, images: boolean, imagePart: (image: TurnImage) => P) {
  if (turn.role === 'assistant') return { role: 'assistant' as const, content: turn.content };
  const content = turnContent(turn, images);
  if (content.images.length === 0) return { role: 'user' as const, content: content.text };
  return {
    role: 'user' as const,
    content: [{ type: 'text' as const, text: content.text }, ...content.images.map(imagePart)],
  };
}

function openaiTurn(turn: ChatTurn, images: boolean): OpenAI.Chat.ChatCompletionMessageParam {
  return providerTurn(turn, images, (image) => ({
    type: 'image_url' as const,
    image_url: { url: `data:${image.contentType};base64,${image.base64}` },
  }));
}

/**
 * Anthropic's Messages API wants the user to speak first. A conversation opened by an assistant
 * greeting (a template's first message) gives the greeting to the model in the system prompt.
 */
function userFirst(call: ModelCall): { system?: string; messages: ChatTurn[] } {
  const first = call.messages.findIndex((turn) => turn.role === 'user');
  const opening = call.messages.slice(0, Math.max(first, 0)).map((turn) => turn.content);
  if (opening.length === 0) return { system: call.system, messages: call.messages };
  const said = `You opened this conversation with: ${opening.join('\n\n')}`;
  return { system: call.system ? `${call.system}\n\n${said}` : said, messages: call.messages.slice(first) };
}

type AnthropicImageType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

function anthropicTurn(turn: ChatTurn, images: boolean): Anthropic.MessageParam {
  return providerTurn(turn, images, (image) => ({
    type: 'image' as const,
    source: { type: 'base64' as const, media_type: image.contentType as AnthropicImageType, data: image.base64 },
  }));
}

type SdkError = InstanceType<typeof OpenAI.APIError> | InstanceType<typeof Anthropic.APIError>;

function isSdk<K extends 'APIUserAbortError' | 'APIConnectionTimeoutError' | 'APIConnectionError' | 'APIError'>(
  error: unknown,
  kind: K,
): boolean {
  return error instanceof OpenAI[kind] || error instanceof Anthropic[kind];
}

/** The key itself and anything shaped like a provider secret are cut out of provider messages. */
export function sanitize(message: string, secret: string): string {
  let clean = secret ? message.split(secret).join('[redacted]') : message;
  clean = clean.replace(/\b(sk|rk|pk)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

/** What a failed SDK call becomes: retryable for 408/409/429/5xx, timeouts and connection errors. */
function modelCallError(error: unknown, secret: string, signal?: AbortSignal): ModelCallError {
  if (error instanceof ModelCallError) return error;
  if (signal?.aborted || isSdk(error, 'APIUserAbortError'))
    return new ModelCallError('The model call was aborted', false);
  if (isSdk(error, 'APIConnectionTimeoutError')) return new ModelCallError('The model call timed out', true);
  if (isSdk(error, 'APIConnectionError')) {
    const cause = findCause(error);
    if (cause instanceof OutboundRefusedError) return new ModelCallError(cause.message, false);
    const code = (cause as { code?: string } | undefined)?.code;
    return new ModelCallError(`Could not reach the provider${code ? ` (${code})` : ''}`, true);
  }
  if (isSdk(error, 'APIError')) {
    const { status, headers } = error as SdkError;
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const retryAfter = Number(headers?.get('retry-after') ?? NaN);
    const inner = (error as { error?: { error?: { message?: unknown }; message?: unknown } }).error;
    const detail = inner?.error?.message ?? inner?.message ?? (error as Error).message;
    return new ModelCallError(
      sanitize(`The provider answered ${status ?? 'with an error'}: ${String(detail)}`, secret),
      retryable,
      status,
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
    );
  }
  return new ModelCallError(
    sanitize(`The model call failed: ${(error as Error)?.message ?? String(error)}`, secret),
    true,
  );
}

/** The innermost cause of a connection error (the SDKs wrap fetch's TypeError, which wraps the cause). */
function findCause(error: unknown): unknown {
  let current = (error as { cause?: unknown }).cause;
  while (current && typeof current === 'object' && 'cause' in current && (current as { cause?: unknown }).cause)
    current = (current as { cause?: unknown }).cause;
  return current;
}
