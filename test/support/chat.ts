import type request from 'supertest';
import { unique, type TestUser } from '../factories';
import type { StubLlm } from './stub-llm';
import type { TestApp } from './test-app';

/** The environment of the chat tests: the stub on loopback, a FREE budget out of the way, a small PRO one. */
export const CHAT_ENV = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  LLM_TIMEOUT_MS: '10000',
  LOG_LEVEL: 'error',
  CHAT_MESSAGES_PER_MINUTE_FREE: '10000',
  CHAT_MESSAGES_PER_MINUTE_PRO: '3',
};

/** An OPENAI provider key at the stub, made through the API; its id. */
export async function stubKey(
  t: TestApp,
  stub: StubLlm,
  user: TestUser,
  orgId: string,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await t
    .http()
    .post(`/v1/orgs/${orgId}/provider-keys`)
    .set(user.auth)
    .send({ provider: 'OPENAI', name: `k-${unique()}`, apiKey: stub.apiKey, baseUrl: stub.openaiBaseUrl, ...body });
  if (res.status !== 201) throw new Error(`provider key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a supertest response body as text, whatever its type (an event stream). */
export function asText(req: request.Test): request.Test {
  return req.buffer(true).parse((response, done) => {
    let text = '';
    response.on('data', (chunk: Buffer) => (text += chunk.toString()));
    response.on('end', () => done(null, text));
  });
}

/** The `event:`/`data:` blocks of an event stream. */
export function parseEvents(text: string): ServerEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => ({
      event: /^event: (\w+)/.exec(block)![1]!,
      data: JSON.parse(/\ndata: (.*)$/s.exec(block)![1]!) as Record<string, unknown>,
    }));
}
