import { Injectable } from '@nestjs/common';
import type { AiProvider } from '../../generated/prisma/enums';

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

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
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
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** Calls a model through the official SDKs (`openai`, `@anthropic-ai/sdk`). */
@Injectable()
export class ModelGateway {
  /** One completion. Throws ModelCallError. */
  complete(call: ModelCall): Promise<ModelReply> {
    void call;
    return Promise.reject(new ModelCallError('ModelGateway.complete is not implemented yet', false));
  }

  /** The same, streamed: `onDelta` gets each text fragment; resolves with the whole reply. */
  stream(call: ModelCall, onDelta: (text: string) => void): Promise<ModelReply> {
    void call;
    void onDelta;
    return Promise.reject(new ModelCallError('ModelGateway.stream is not implemented yet', false));
  }
}
