import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../../config/app-config';
import { openDatabase } from '../../database/database-connection';
import { formatKeyRingSpec, generateEncryptionKey, KeyRing } from './key-ring';
import { resolveKeyRing } from './key-ring.provider';
import { secretAad } from './secret-columns';
import { runSecretRotation } from './rotate-secrets.command';

/** The command end to end on an embedded database in a temporary DATA_DIR, as after `npm start` there. */
describe('secrets:rotate', () => {
  let dir: string;
  let hostId: string;
  let orgId: string;
  let keptSpec: string;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    dir = mkdtempSync(join(tmpdir(), 'orgbase-rotate-'));
    const config = loadConfig({ DATA_DIR: dir });
    const generated = resolveKeyRing(config);
    keptSpec = (JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as { encryptionKeys: string })
      .encryptionKeys;
    const connection = await openDatabase(config);
    try {
      hostId = randomUUID();
      orgId = randomUUID();
      await connection.asOwner(async (session) => {
        await session.query(`INSERT INTO organizations (id, name, slug, "updatedAt") VALUES ($1, 'O', 'o', now())`, [
          orgId,
        ]);
        await session.query(
          `INSERT INTO hosts (id, "orgId", name, address, "encryptedPassword", "updatedAt") VALUES ($1, $2, 'h', 'a', $3, now())`,
          [hostId, orgId, generated.encrypt('hunter2-but-longer', secretAad('hosts.encryptedPassword', orgId))],
        );
      });
    } finally {
      await connection.close();
    }
  });

  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(env: Record<string, string>, args: string[] = []): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runSecretRotation({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env }, args, (line) =>
      lines.push(line),
    );
    return { code, lines };
  }

  async function storedPassword(): Promise<string> {
    const connection = await openDatabase(loadConfig({ DATA_DIR: dir }));
    try {
      return await connection.asOwner(async (session) => {
        const { rows } = await session.query<{ value: string }>(
          `SELECT "encryptedPassword" AS value FROM hosts WHERE id = $1`,
          [hostId],
        );
        return rows[0]!.value;
      });
    } finally {
      await connection.close();
    }
  }

  it('without the old key, reports the value it cannot read, changes nothing and exits 1', async () => {
    const before = await storedPassword();
    const { code, lines } = await run({ ENCRYPTION_KEYS: formatKeyRingSpec([generateEncryptionKey('next')]) });
    expect(code).toBe(1);
    expect(lines).toContain('hosts.encryptedPassword: 1 value(s), 0 re-encrypted, 0 already current, 1 failed');
    expect(lines).toContain(
      `  row ${hostId}: Secret is encrypted under key "local", which ENCRYPTION_KEYS does not hold (it holds: next)`,
    );
    expect(lines.at(-1)).toMatch(/^Not done: 1 value\(s\) could not be re-encrypted/);
    expect(await storedPassword()).toBe(before);
  });

  it('with a new key first, re-encrypts under it, says the old one can go, and is a no-op the second time', async () => {
    const next = generateEncryptionKey('next');
    const env = { ENCRYPTION_KEYS: `${formatKeyRingSpec([next])},${keptSpec}` };

    const first = await run(env, ['--batch-size=2']);
    expect(first.lines[0]).toBe(
      `Re-encrypting secrets under key "next" on the embedded database in ${dir}, 2 rows per transaction`,
    );
    expect(first.lines).toContain('hosts.encryptedPassword: 1 value(s), 1 re-encrypted, 0 already current, 0 failed');
    expect(first.lines).toContain(
      'provider_keys.encryptedKey: 0 value(s), 0 re-encrypted, 0 already current, 0 failed',
    );
    expect(first.lines.at(-1)).toBe(
      'Done: 1 value(s) re-encrypted, every secret is under key "next"; "local" can be removed from ENCRYPTION_KEYS',
    );
    expect(first.code).toBe(0);

    const stored = await storedPassword();
    expect(new KeyRing([next]).decrypt(stored, secretAad('hosts.encryptedPassword', orgId))).toBe('hunter2-but-longer');

    const second = await run(env);
    expect(second.code).toBe(0);
    expect(second.lines).toContain('hosts.encryptedPassword: 1 value(s), 0 re-encrypted, 1 already current, 0 failed');
    expect(second.lines.at(-1)).toMatch(/^Done: 0 value\(s\) re-encrypted/);
    expect(await storedPassword()).toBe(stored);
  });

  it('refuses bad arguments, bad configuration and an in-memory database', async () => {
    expect((await run({}, ['--batch-size=0'])).code).toBe(2);
    expect((await run({}, ['--all'])).code).toBe(2);
    expect(await run({ ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toEqual({
      code: 1,
      lines: ['Invalid environment variable ENCRYPTION_KEYS: key "k1" must be 32 bytes after base64 decoding, not 5'],
    });
    expect(await run({ DATA_DIR: 'memory://' })).toEqual({
      code: 1,
      lines: ['DATA_DIR=memory:// keeps no secrets between runs: nothing to rotate'],
    });
  });
});
