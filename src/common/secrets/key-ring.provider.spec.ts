import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../../config/app-config';
import { resolveSecrets } from '../auth/secrets';
import { KeyRingConfigError } from './key-ring';
import { GENERATED_KEY_ID, resolveKeyRing } from './key-ring.provider';

describe('resolveKeyRing', () => {
  let dir: string;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'orgbase-keyring-'));
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    warn.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  const secretsFile = () => join(dir, 'secrets.json');
  const readKept = () => JSON.parse(readFileSync(secretsFile(), 'utf8')) as Record<string, string>;

  it('uses ENCRYPTION_KEYS when set, and writes nothing to DATA_DIR', () => {
    const spec = `new:${randomBytes(32).toString('base64')},old:${randomBytes(32).toString('base64')}`;
    const ring = resolveKeyRing(loadConfig({ DATA_DIR: dir, ENCRYPTION_KEYS: spec }));
    expect(ring.keyIds).toEqual(['new', 'old']);
    expect(existsSync(secretsFile())).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('for DATA_DIR=memory:// makes a key that lives with the process, without a file or a warning', () => {
    const config = loadConfig({ DATA_DIR: 'memory://' });
    const first = resolveKeyRing(config);
    expect(first.keyIds).toEqual([GENERATED_KEY_ID]);
    // The same configuration gets the same key (the demo seeder and the server share it), another one its own.
    expect(resolveKeyRing(config).decrypt(first.encrypt('x'))).toBe('x');
    expect(() => resolveKeyRing(loadConfig({ DATA_DIR: 'memory://' })).decrypt(first.encrypt('x'))).toThrow();
    expect(warn).not.toHaveBeenCalled();
  });

  it('otherwise generates a key once, keeps it in DATA_DIR/secrets.json (0600) and says so once', () => {
    const config = loadConfig({ DATA_DIR: dir });
    const first = resolveKeyRing(config);
    const stored = first.encrypt('kept across restarts', 'aad');

    expect(readKept().encryptionKeys).toMatch(/^local:[A-Za-z0-9+/]{43}=$/);
    expect(statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(`No ENCRYPTION_KEYS set: generated one and kept it in ${secretsFile()}`);

    const restarted = resolveKeyRing(config);
    expect(restarted.decrypt(stored, 'aad')).toBe('kept across restarts');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('adds the key to a secrets.json that has only the JWT secret, keeping that secret', () => {
    writeFileSync(secretsFile(), JSON.stringify({ jwtSecret: 'j'.repeat(64) }));
    const config = loadConfig({ DATA_DIR: dir });
    resolveKeyRing(config);
    expect(readKept().jwtSecret).toBe('j'.repeat(64));
    expect(readKept().encryptionKeys).toMatch(/^local:/);
    expect(resolveSecrets(config).jwtSecret).toBe('j'.repeat(64));
  });

  it('keeps both secrets whichever is generated first', () => {
    const config = loadConfig({ DATA_DIR: dir });
    const ring = resolveKeyRing(config);
    const { jwtSecret } = resolveSecrets(config);
    expect(readKept()).toEqual({ encryptionKeys: expect.stringMatching(/^local:/), jwtSecret });
    expect(resolveSecrets(config).jwtSecret).toBe(jwtSecret);
    expect(resolveKeyRing(config).decrypt(ring.encrypt('same key'))).toBe('same key');
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('names the file when its kept key is broken', () => {
    writeFileSync(secretsFile(), JSON.stringify({ encryptionKeys: 'local:c2hvcnQ=' }));
    expect(() => resolveKeyRing(loadConfig({ DATA_DIR: dir }))).toThrow(KeyRingConfigError);
    expect(() => resolveKeyRing(loadConfig({ DATA_DIR: dir }))).toThrow(
      `${secretsFile()}: encryptionKeys key "local" must be 32 bytes after base64 decoding, not 5`,
    );
  });
});
