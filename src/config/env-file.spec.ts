import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';
import { loadEnvFile } from './env-file';

describe('loadEnvFile', () => {
  it('reads .env into the config, and the real environment wins over the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'orgbase-env-')), '.env');
    writeFileSync(file, 'PORT=4321\nLOG_LEVEL=debug\n# a comment\nHOST=127.0.0.2\n');
    const env: Record<string, string | undefined> = { HOST: '127.0.0.9' };

    expect(loadEnvFile(file, env)).toBe(true);
    const config = loadConfig(env);
    expect(config.PORT).toBe(4321);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(config.HOST).toBe('127.0.0.9');
  });

  it('is a no-op without a file', () => {
    const env = {};
    expect(loadEnvFile(join(tmpdir(), 'no-such-dir-orgbase', '.env'), env)).toBe(false);
    expect(env).toEqual({});
  });
});
