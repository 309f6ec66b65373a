import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * Where attachment bytes live, by storage key (`<orgId>/<uuid>`, made by the server, never by a
 * client). Deleting a key that is not there is not an error: the sweep may run twice.
 */
export interface FileStorage {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The bytes, or null when there is no such file. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
}

export const FILE_STORAGE = Symbol('FILE_STORAGE');

const KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;

/** Keys are ours, but a path is only built from one that has the shape we make. */
export function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`Not a storage key: ${key}`);
  return key;
}

/** Files under `<root>/<orgId>/<uuid>` (DATA_DIR/attachments by default). */
export class DiskStorage implements FileStorage {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside then renamed, so a reader never sees half a file.
    const partial = `${path}.${randomUUID()}.part`;
    await writeFile(partial, body, { mode: 0o600 });
    await rename(partial, path);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    const path = join(this.root, ...checkedKey(key).split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error(`Storage key outside the root: ${key}`);
    return path;
  }
}

/** DATA_DIR=memory://: files live as long as the process (tests, throwaway runs). */
export class MemoryStorage implements FileStorage {
  private readonly files = new Map<string, Buffer>();

  async put(key: string, body: Buffer): Promise<void> {
    this.files.set(checkedKey(key), Buffer.from(body));
  }

  async get(key: string): Promise<Buffer | null> {
    return this.files.get(key) ?? null;
  }

  async delete(key: string): Promise<void> {
    this.files.delete(key);
  }
}
