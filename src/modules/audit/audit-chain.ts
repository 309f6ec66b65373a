import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The fields an audit entry's hash covers; changing any of them breaks the chain. */
export interface ChainedEntry {
  id: string;
  orgId: string;
  seq: bigint;
  actorType: 'USER' | 'API_KEY' | 'SYSTEM';
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  createdAt: Date;
  prevHash: string | null;
}

export function entryHash(entry: ChainedEntry): string {
  const payload = canonicalJson({ ...entry, seq: entry.seq.toString(), createdAt: entry.createdAt.toISOString() });
  return createHash('sha256').update(payload).digest('hex');
}

const SECRET_FIELD = /^(password|passwordHash|tokenHash|keyHash|secret|accessToken|refreshToken|apiKey)$|^encrypted/i;

/** Plain JSON of a before/after image with secrets replaced, so they never enter the log. */
export function redact(value: unknown): unknown {
  return scrub(value === undefined ? null : JSON.parse(JSON.stringify(value)), false);
}

function scrub(value: unknown, keyIsSecret: boolean): unknown {
  if (keyIsSecret && value !== null) return '[REDACTED]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, false));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrub(v, SECRET_FIELD.test(k))]),
    );
  }
  return value;
}
