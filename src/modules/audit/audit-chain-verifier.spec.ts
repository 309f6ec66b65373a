import { entryHash } from './audit-chain';
import { verifyChain, type StoredEntry } from './audit-chain-verifier';

const ORG = '01900000-0000-7000-8000-0000000000aa';

/** A valid chain of n entries, built the way AuditRepository.append builds them. */
function chain(n: number): StoredEntry[] {
  const entries: StoredEntry[] = [];
  let prevHash: string | null = null;
  for (let i = 1; i <= n; i++) {
    const entry = {
      id: `01900000-0000-7000-8000-${String(i).padStart(12, '0')}`,
      orgId: ORG,
      seq: BigInt(i),
      actorType: 'USER' as const,
      actorId: null,
      action: 'variable.updated',
      resourceType: 'variable',
      resourceId: `r${i}`,
      before: { value: i - 1, nested: { a: 1, b: [1, 2] } },
      after: { value: i },
      ip: '127.0.0.1',
      userAgent: null,
      requestId: `req-${i}`,
      createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
      prevHash,
    };
    const hash = entryHash(entry);
    entries.push({ ...entry, hash });
    prevHash = hash;
  }
  return entries;
}

async function* pages(entries: StoredEntry[], size = 2): AsyncGenerator<StoredEntry[]> {
  for (let i = 0; i < entries.length; i += size) yield entries.slice(i, i + size);
}

describe('verifyChain', () => {
  it('accepts an intact chain across pages, and an empty one', async () => {
    await expect(verifyChain(pages(chain(5)))).resolves.toEqual({ valid: true, checked: 5 });
    await expect(verifyChain(pages([]))).resolves.toEqual({ valid: true, checked: 0 });
  });

  it('accepts jsonb key reordering (the hash is over canonical JSON)', async () => {
    const entries = chain(2);
    entries[0]!.before = { nested: { b: [1, 2], a: 1 }, value: 0 };
    await expect(verifyChain(pages(entries))).resolves.toEqual({ valid: true, checked: 2 });
  });

  it('flags an edited field on that entry', async () => {
    const entries = chain(5);
    entries[2]!.action = 'variable.deleted';
    await expect(verifyChain(pages(entries))).resolves.toEqual({
      valid: false,
      checked: 3,
      firstInvalidId: entries[2]!.id,
    });
  });

  it('flags an edited before/after image', async () => {
    const entries = chain(3);
    entries[1]!.after = { value: 'forged' };
    await expect(verifyChain(pages(entries))).resolves.toMatchObject({ valid: false, firstInvalidId: entries[1]!.id });
  });

  it('flags a rehashed entry through the next link', async () => {
    const entries = chain(4);
    const { hash: _old, ...forged } = { ...entries[1]!, action: 'forged' };
    entries[1] = { ...forged, hash: entryHash(forged) };
    await expect(verifyChain(pages(entries))).resolves.toMatchObject({ valid: false, firstInvalidId: entries[2]!.id });
  });

  it('flags a deleted entry (a gap in seq) at the entry after the gap', async () => {
    const entries = chain(4);
    entries.splice(1, 1);
    await expect(verifyChain(pages(entries))).resolves.toEqual({
      valid: false,
      checked: 2,
      firstInvalidId: entries[1]!.id,
    });
  });

  it('flags a chain that does not start at seq 1 with a null prevHash', async () => {
    const entries = chain(3).slice(1);
    await expect(verifyChain(pages(entries))).resolves.toMatchObject({ valid: false, firstInvalidId: entries[0]!.id });
  });
});
