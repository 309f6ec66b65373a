import { entryHash, type ChainedEntry } from './audit-chain';

export interface StoredEntry extends ChainedEntry {
  hash: string;
}

export interface ChainVerdict {
  valid: boolean;
  checked: number;
  firstInvalidId?: string;
}

/**
 * Checks an organization's audit chain read oldest first: each entry's seq follows the previous
 * one (1, 2, 3...: a deleted or inserted row shows), its prevHash is the previous entry's hash,
 * and its hash is what its own fields hash to (an edited row shows). Stops at the first bad entry.
 */
export async function verifyChain(pages: AsyncIterable<StoredEntry[]>): Promise<ChainVerdict> {
  let checked = 0;
  let expectedSeq = 1n;
  let prevHash: string | null = null;
  for await (const page of pages) {
    for (const entry of page) {
      checked += 1;
      const intact =
        entry.seq === expectedSeq && entry.prevHash === prevHash && entryHash(toChained(entry)) === entry.hash;
      if (!intact) return { valid: false, checked, firstInvalidId: entry.id };
      expectedSeq += 1n;
      prevHash = entry.hash;
    }
  }
  return { valid: true, checked };
}

/** Exactly the hashed fields: anything else on the row (hash itself) stays out. */
function toChained(entry: StoredEntry): ChainedEntry {
  const { id, orgId, seq, actorType, actorId, action, resourceType, resourceId } = entry;
  const { before, after, ip, userAgent, requestId, createdAt, prevHash } = entry;
  return {
    id,
    orgId,
    seq,
    actorType,
    actorId,
    action,
    resourceType,
    resourceId,
    before,
    after,
    ip,
    userAgent,
    requestId,
    createdAt,
    prevHash,
  };
}
