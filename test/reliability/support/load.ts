import { randomUUID } from 'node:crypto';
import { knownScopes } from '../../../src/common/features/feature';
import { send, type Answer, type Call } from './http-client';

/** The audit action each kind of write must leave, one for one. */
export type WriteAction =
  | 'variable.created'
  | 'variable.updated'
  | 'variable.deleted'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'invitation.created'
  | 'invitation.revoked'
  | 'invitation.resent';

export interface WriteOutcome {
  action: WriteAction;
  /** Sent as X-Request-Id: the audit entry of this write carries it. */
  requestId: string;
  /** The row written (known from the answer to a create, or from the URL). */
  resourceId?: string;
  status: number;
  code?: string;
  error?: string;
  ms: number;
  /** Milliseconds since the load started, when the request was sent. */
  at: number;
}

export interface ReadOutcome {
  status: number;
  code?: string;
  error?: string;
  ms: number;
  at: number;
}

/** An org under load: who writes (JWTs of an owner and admins, API keys) and where. */
export interface LoadTarget {
  base: string;
  orgId: string;
  /** Access tokens of members who may write everything (OWNER or ADMIN). */
  tokens: string[];
  /** API keys with every scope (they may write variables, not keys or invitations). */
  apiKeys: string[];
}

export interface LoadOptions {
  clients: number;
  durationMs: number;
  /** Per-request client timeout: longer than any server-side timeout, so a hang shows as TIMEOUT. */
  timeoutMs?: number;
  /** A fresh connection per request instead of keep-alive (to see refused connections as such). */
  keepAlive?: boolean;
  /** Stop early (e.g. once the server is gone for good). */
  stop?: () => boolean;
}

export class LoadRecorder {
  readonly writes: WriteOutcome[] = [];
  readonly reads: ReadOutcome[] = [];
  private started = performance.now();

  restartClock(): void {
    this.started = performance.now();
  }

  now(): number {
    return Math.round(performance.now() - this.started);
  }

  get all(): (WriteOutcome | ReadOutcome)[] {
    return [...this.writes, ...this.reads];
  }

  /** "200×812 201×340 503(UNAVAILABLE)×12 ECONNREFUSED×3", for the figures line. */
  static byStatus(outcomes: (WriteOutcome | ReadOutcome)[]): string {
    const counts = new Map<string, number>();
    for (const o of outcomes) {
      const key = o.status ? `${o.status}${o.status >= 500 && o.code ? `(${o.code})` : ''}` : (o.error ?? 'none');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return (
      [...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, n]) => `${key}×${n}`)
        .join(' ') || 'none'
    );
  }
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const chance = (p: number) => Math.random() < p;

/**
 * Runs `clients` concurrent clients for `durationMs`: about half write variables (as members and
 * as API keys), a tenth each manage API keys and invitations, the rest read lists, single rows,
 * the audit log and their own profile. Every write is recorded with its request id for reconciliation.
 */
export async function runLoad(target: LoadTarget, options: LoadOptions, recorder: LoadRecorder): Promise<void> {
  const deadline = performance.now() + options.durationMs;
  const known: string[] = [];
  const going = () => performance.now() < deadline && !options.stop?.();
  const org = `/v1/orgs/${target.orgId}`;
  const sendOpts = { timeoutMs: options.timeoutMs ?? 30_000, keepAlive: options.keepAlive ?? true };

  const call = async (
    credential: string,
    method: string,
    url: string,
    body?: object,
    requestId = randomUUID(),
  ): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${credential}`, 'x-request-id': requestId };
    // Variables may soon require If-Match on PATCH/DELETE; `*` matches any version and is harmless before.
    if (method === 'PATCH' || method === 'DELETE') headers['if-match'] = '*';
    const request: Call = { method, url, headers };
    if (body) {
      request.body = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    return send(target.base, request, sendOpts);
  };

  const write = async (
    action: WriteAction,
    credential: string,
    method: string,
    url: string,
    body?: object,
    resourceId?: string,
  ): Promise<WriteOutcome> => {
    const at = recorder.now();
    const requestId = randomUUID();
    const answer = await call(credential, method, url, body, requestId);
    const created = (answer.json as { id?: string } | undefined)?.id;
    const outcome: WriteOutcome = {
      action,
      requestId,
      resourceId: resourceId ?? (answer.status === 201 ? created : undefined),
      status: answer.status,
      code: (answer.json as { code?: string } | undefined)?.code,
      error: answer.error,
      ms: answer.ms,
      at,
    };
    recorder.writes.push(outcome);
    return outcome;
  };

  const read = async (credential: string, url: string): Promise<Answer> => {
    const at = recorder.now();
    const answer = await call(credential, 'GET', url);
    recorder.reads.push({
      status: answer.status,
      code: (answer.json as { code?: string } | undefined)?.code,
      error: answer.error,
      ms: answer.ms,
      at,
    });
    return answer;
  };

  const variableWriter = async (client: number) => {
    for (let n = 0; going(); n++) {
      const credential = client % 2 ? pick(target.apiKeys) : pick(target.tokens);
      const created = await write('variable.created', credential, 'POST', `${org}/variables`, {
        key: `load_${client}_${n}_${randomUUID().slice(0, 6)}`,
        value: `v${n}`,
      });
      if (created.status !== 201 || !created.resourceId) continue;
      const url = `${org}/variables/${created.resourceId}`;
      known.push(created.resourceId);
      if (chance(0.5))
        await write('variable.updated', credential, 'PATCH', url, { value: `v${n}b` }, created.resourceId);
      if (chance(0.4)) await write('variable.deleted', credential, 'DELETE', url, undefined, created.resourceId);
    }
  };

  const apiKeyWriter = async () => {
    while (going()) {
      const token = pick(target.tokens);
      const created = await write('api_key.created', token, 'POST', `${org}/api-keys`, {
        name: `load ${randomUUID().slice(0, 8)}`,
        scopes: [pick(knownScopes())],
      });
      if (created.status === 201 && chance(0.5)) {
        await write(
          'api_key.revoked',
          token,
          'DELETE',
          `${org}/api-keys/${created.resourceId}`,
          undefined,
          created.resourceId,
        );
      }
    }
  };

  const invitationWriter = async () => {
    while (going()) {
      const token = pick(target.tokens);
      const created = await write('invitation.created', token, 'POST', `${org}/invitations`, {
        email: `load-${randomUUID()}@example.test`,
        role: pick(['ADMIN', 'EDITOR', 'VIEWER']),
      });
      if (created.status !== 201) continue;
      const url = `${org}/invitations/${created.resourceId}`;
      if (chance(0.3)) await write('invitation.resent', token, 'POST', `${url}/resend`, undefined, created.resourceId);
      if (chance(0.4)) await write('invitation.revoked', token, 'DELETE', url, undefined, created.resourceId);
    }
  };

  const reader = async (client: number) => {
    while (going()) {
      const credential = client % 2 ? pick(target.apiKeys) : pick(target.tokens);
      switch (Math.floor(Math.random() * 6)) {
        case 0: {
          const page = await read(credential, `${org}/variables?limit=20`);
          const next = (page.json as { nextCursor?: string } | undefined)?.nextCursor;
          if (next) await read(credential, `${org}/variables?limit=20&cursor=${next}`);
          break;
        }
        case 1:
          if (known.length) await read(credential, `${org}/variables/${pick(known)}`);
          break;
        case 2:
          await read(credential, `${org}/audit-logs?limit=20`);
          break;
        case 3:
          await read(pick(target.tokens), `${org}/api-keys?limit=20`);
          break;
        case 4:
          await read(pick(target.tokens), `${org}/invitations?limit=20`);
          break;
        default:
          await read(pick(target.tokens), '/v1/me');
      }
    }
  };

  recorder.restartClock();
  await Promise.all(
    Array.from({ length: options.clients }, (_, client) => {
      const role = client % 10;
      if (role < 5) return variableWriter(client);
      if (role === 5) return apiKeyWriter();
      if (role === 6) return invitationWriter();
      return reader(client);
    }),
  );
}
