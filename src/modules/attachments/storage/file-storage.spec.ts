import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskStorage, MemoryStorage, type FileStorage } from './file-storage';

describe.each([
  ['DiskStorage', async () => new DiskStorage(await mkdtemp(join(tmpdir(), 'orgbase-files-')))],
  ['MemoryStorage', async () => new MemoryStorage()],
])('%s', (_name, make: () => Promise<FileStorage>) => {
  const key = () => `${randomUUID()}/${randomUUID()}`;

  it('puts, gets and deletes by key; a missing key reads null and deletes quietly', async () => {
    const storage = await make();
    const k = key();
    expect(await storage.get(k)).toBeNull();
    await storage.put(k, Buffer.from('bytes'), 'text/plain');
    expect((await storage.get(k))?.toString()).toBe('bytes');
    await storage.put(k, Buffer.from('again'), 'text/plain');
    expect((await storage.get(k))?.toString()).toBe('again');
    await storage.delete(k);
    expect(await storage.get(k)).toBeNull();
    await storage.delete(k);
  });

  it('refuses keys it did not make (no path tricks)', async () => {
    const storage = await make();
    for (const bad of ['../x', `${randomUUID()}/../../etc`, 'a/b', `${randomUUID()}/${randomUUID()}/x`])
      await expect(storage.put(bad, Buffer.from('x'), 'text/plain')).rejects.toThrow(/storage key/i);
  });
});

it('DiskStorage keeps files under <root>/<orgId>/<id>, without leftovers', async () => {
  const root = await mkdtemp(join(tmpdir(), 'orgbase-files-'));
  try {
    const [org, id] = [randomUUID(), randomUUID()];
    const storage: FileStorage = new DiskStorage(root);
    await storage.put(`${org}/${id}`, Buffer.from('x'), 'text/plain');
    expect(await readdir(join(root, org))).toEqual([id]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
