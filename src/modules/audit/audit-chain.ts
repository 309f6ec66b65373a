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

/** An entry before it is chained: what the writer knows. */
export type NewAuditEntry = Omit<ChainedEntry, 'id' | 'seq' | 'prevHash' | 'createdAt'>;

/** The next link of an org's chain after `last` (null: the chain's first), with its hash. */
export function nextLink(
  entry: NewAuditEntry,
  last: { seq: bigint; hash: string } | null,
): ChainedEntry & { hash: string } {
  const chained: ChainedEntry = {
    ...entry,
    id: crypto.randomUUID(),
    seq: (last?.seq ?? 0n) + 1n,
    prevHash: last?.hash ?? null,
    createdAt: new Date(),
  };
  return { ...chained, hash: entryHash(chained) };
}

const SECRET_FIELD = /^(password|passwordHash|tokenHash|keyHash|secret|accessToken|refreshToken|apiKey)$|^encrypted/i;
/**
 * Personal data left out of the log altogether. An entry is hashed into the chain and can never be
 * changed, so an email address in it could never be erased when its owner deletes their account:
 * entries name people by id (actorId, userId), and the address stays in rows that can be anonymised.
 */
const PERSONAL_FIELD = /^email$/i;

/** Plain JSON of a before/after image with secrets replaced and emails left out, so they never enter the log. */
export function redact(value: unknown): unknown {
  return scrub(value === undefined ? null : JSON.parse(JSON.stringify(value)), false);
}

function scrub(value: unknown, keyIsSecret: boolean): unknown {
  if (keyIsSecret && value !== null) return '[REDACTED]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, false));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !PERSONAL_FIELD.test(k))
        .map(([k, v]) => [k, scrub(v, SECRET_FIELD.test(k))]),
    );
  }
  return value;
}
