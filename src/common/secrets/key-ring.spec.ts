import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  formatKeyRingSpec,
  generateEncryptionKey,
  KeyRing,
  KeyRingConfigError,
  mask,
  parseKeyRingSpec,
  SecretDecryptionError,
  UnknownEncryptionKeyError,
} from './key-ring';
import { secretAad } from './secret-columns';

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');

/** Replaces one character of part `index` of a stored value with another valid base64url character. */
function tamper(stored: string, index: number): string {
  const parts = stored.split('.');
  const part = parts[index]!;
  const at = Math.floor(part.length / 2);
  parts[index] = part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return parts.join('.');
}

describe('KeyRing', () => {
  const ring = new KeyRing([generateEncryptionKey('k1')]);

  it('round-trips text (empty and non-ASCII too) as v1.<keyId>.<iv>.<tag>.<ciphertext>', () => {
    for (const plain of ['sk-live-0123456789abcdef', '', 'pässwörd ✓ 🔑', 'x'.repeat(10_000)]) {
      const stored = ring.encrypt(plain);
      expect(stored).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(ring.decrypt(stored)).toBe(plain);
    }
  });

  it('uses a fresh IV per value: the same plaintext never encrypts the same way twice', () => {
    const values = new Set(Array.from({ length: 50 }, () => ring.encrypt('same secret')));
    expect(values.size).toBe(50);
    expect(new Set([...values].map((value) => value.split('.')[2])).size).toBe(50);
  });

  it('binds a value to its associated data: other or missing associated data fails', () => {
    const aad = secretAad('provider_keys.encryptedKey', '0190f0e0-0000-7000-8000-000000000001');
    const stored = ring.encrypt('sk-test-abcd', aad);
    expect(ring.decrypt(stored, aad)).toBe('sk-test-abcd');
    expect(() => ring.decrypt(stored)).toThrow(SecretDecryptionError);
    expect(() => ring.decrypt(stored, secretAad('provider_keys.encryptedKey', 'another-org'))).toThrow(
      /failed authentication/,
    );
    expect(() =>
      ring.decrypt(stored, secretAad('hosts.encryptedPassword', '0190f0e0-0000-7000-8000-000000000001')),
    ).toThrow(SecretDecryptionError);
    expect(() => ring.decrypt(ring.encrypt('no aad'), aad)).toThrow(SecretDecryptionError);
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ])('rejects a value whose %s was altered (never returns garbage)', (_part, index) => {
    const stored = ring.encrypt('a secret long enough to alter', 'row-1');
    const altered = tamper(stored, index);
    expect(altered).not.toBe(stored);
    expect(() => ring.decrypt(altered, 'row-1')).toThrow(SecretDecryptionError);
  });

  it('rejects every single-bit flip of the ciphertext, tag and IV', () => {
    const stored = ring.encrypt('bit flips', 'row-1');
    const [version, keyId, iv, tag, ciphertext] = stored.split('.') as [string, string, string, string, string];
    const parts = { iv, tag, ciphertext };
    for (const [name, part] of Object.entries(parts)) {
      const bytes = Buffer.from(part, 'base64url');
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        const flipped = Buffer.from(bytes);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        const next = { ...parts, [name]: flipped.toString('base64url') };
        const altered = [version, keyId, next.iv, next.tag, next.ciphertext].join('.');
        expect(() => ring.decrypt(altered, 'row-1')).toThrow(SecretDecryptionError);
      }
    }
  });

  it('rejects truncated tags, short IVs, extra or missing parts, other versions and non-canonical base64url', () => {
    const stored = ring.encrypt('shape');
    const [, , iv, tag, ciphertext] = stored.split('.') as [string, string, string, string, string];
    const cases = [
      `v1.k1.${iv}.${tag.slice(0, 11)}.${ciphertext}`,
      `v1.k1.${iv.slice(0, 8)}.${tag}.${ciphertext}`,
      `v1.k1.${iv}.${tag}`,
      `${stored}.extra`,
      `v2.k1.${iv}.${tag}.${ciphertext}`,
      `v1.k1.${iv}.${tag}.${ciphertext}=`,
      `v1.k1.${iv}.${tag.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}.${ciphertext}`,
      `v1.k 1.${iv}.${tag}.${ciphertext}`,
      'plaintext that was never encrypted',
      '',
    ];
    for (const value of cases) expect(() => ring.decrypt(value)).toThrow(SecretDecryptionError);
  });

  it('names an unknown key id, and the ids it holds, in a clear error', () => {
    const other = new KeyRing([generateEncryptionKey('retired-2023')]);
    const stored = other.encrypt('old secret');
    let thrown: unknown;
    try {
      ring.decrypt(stored);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnknownEncryptionKeyError);
    expect((thrown as UnknownEncryptionKeyError).keyId).toBe('retired-2023');
    expect((thrown as Error).message).toBe(
      'Secret is encrypted under key "retired-2023", which ENCRYPTION_KEYS does not hold (it holds: k1)',
    );
  });

  it('a value moved to another key id fails (the key id is authenticated)', () => {
    const k1 = generateEncryptionKey('k1');
    const twin = new KeyRing([{ id: 'k2', key: k1.key }, k1]);
    const stored = twin.encrypt('moved');
    expect(() => twin.decrypt(stored.replace('v1.k2.', 'v1.k1.'))).toThrow(SecretDecryptionError);
  });

  it('with two keys: encrypts under the newest, still reads the older, and tells which need rotation', () => {
    const old = generateEncryptionKey('2024');
    const current = generateEncryptionKey('2025');
    const before = new KeyRing([old]);
    const after = new KeyRing([current, old]);
    const oldValue = before.encrypt('token-under-old-key', 'row-7');

    expect(after.currentKeyId).toBe('2025');
    expect(after.keyIds).toEqual(['2025', '2024']);
    expect(after.decrypt(oldValue, 'row-7')).toBe('token-under-old-key');
    expect(after.keyIdOf(oldValue)).toBe('2024');
    expect(after.needsRotation(oldValue)).toBe(true);

    const newValue = after.encrypt('fresh', 'row-8');
    expect(after.keyIdOf(newValue)).toBe('2025');
    expect(after.needsRotation(newValue)).toBe(false);
    expect(() => before.decrypt(newValue, 'row-8')).toThrow(UnknownEncryptionKeyError);

    const rotated = after.reencrypt(oldValue, 'row-7');
    expect(after.keyIdOf(rotated)).toBe('2025');
    expect(after.decrypt(rotated, 'row-7')).toBe('token-under-old-key');
    expect(after.reencrypt(rotated, 'row-7')).toBe(rotated);
    expect(() => after.reencrypt(oldValue, 'row-8')).toThrow(SecretDecryptionError);
  });

  it('needsRotation refuses a malformed value instead of guessing', () => {
    expect(() => ring.needsRotation('not-a-secret')).toThrow(SecretDecryptionError);
  });

  it('keeps key material out of logs and JSON', () => {
    const key = generateEncryptionKey('k9');
    const keyRing = new KeyRing([key]);
    const b64Key = key.key.toString('base64');
    const hex = key.key.toString('hex');
    for (const shown of [inspect(keyRing, { showHidden: true, depth: 5 }), JSON.stringify(keyRing), String(keyRing)]) {
      expect(shown).not.toContain(b64Key);
      expect(shown).not.toContain(hex);
    }
    expect(JSON.parse(JSON.stringify(keyRing))).toEqual({ keyIds: ['k9'] });
  });

  it('refuses an empty ring, a short key and duplicate ids', () => {
    expect(() => new KeyRing([])).toThrow(KeyRingConfigError);
    expect(() => new KeyRing([{ id: 'a', key: randomBytes(16) }])).toThrow(KeyRingConfigError);
    const key = generateEncryptionKey('a');
    expect(() => new KeyRing([key, key])).toThrow(/appears more than once/);
  });
});

describe('parseKeyRingSpec', () => {
  it('reads id:base64key pairs newest first, with spaces around entries, standard or URL-safe base64', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseKeyRingSpec(` new:${a.toString('base64')} , old_1:${b.toString('base64url')}`);
    expect(keys.map((key) => key.id)).toEqual(['new', 'old_1']);
    expect(keys[0]!.key.equals(a)).toBe(true);
    expect(keys[1]!.key.equals(b)).toBe(true);
  });

  it('formatKeyRingSpec is its inverse', () => {
    const keys = [generateEncryptionKey('x'), generateEncryptionKey('y')];
    const parsed = parseKeyRingSpec(formatKeyRingSpec(keys));
    expect(parsed.map((key) => [key.id, key.key.toString('hex')])).toEqual(
      keys.map((key) => [key.id, key.key.toString('hex')]),
    );
  });

  it.each([
    ['a bad id', `bad id:${b64(32)}`, 'entry 1 has an invalid key id (1 to 32 of A-Z a-z 0-9 _ -)'],
    ['an id over 32 characters', `${'a'.repeat(33)}:${b64(32)}`, 'entry 1 has an invalid key id'],
    ['an empty id', `:${b64(32)}`, 'entry 1 has an invalid key id'],
    ['a short key', `k1:${b64(16)}`, 'key "k1" must be 32 bytes after base64 decoding, not 16'],
    ['a long key', `k1:${b64(48)}`, 'key "k1" must be 32 bytes after base64 decoding, not 48'],
    ['a key that is not base64', 'k1:not*base64!', 'key "k1" is not base64'],
    ['a missing colon', b64(32), 'entry 1 must be id:base64key'],
    ['a duplicate id', `k1:${b64(32)},k2:${b64(32)},k1:${b64(32)}`, 'key id "k1" appears more than once'],
    ['a stray comma', `k1:${b64(32)},`, 'entry 2 is empty (stray comma?)'],
  ])('refuses %s with one line', (_name, spec, message) => {
    expect(() => parseKeyRingSpec(spec)).toThrow(KeyRingConfigError);
    expect(() => parseKeyRingSpec(spec)).toThrow(message);
  });

  it('never echoes key material, even when id and key are swapped', () => {
    const key = b64(32);
    for (const spec of [`${key}:k1`, key, `k1:${key.slice(0, 20)}`]) {
      let message = '';
      try {
        parseKeyRingSpec(spec);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(key.slice(0, 12));
    }
  });
});

describe('mask', () => {
  it('shows only the last four characters', () => {
    expect(mask('sk-live-0123456789abcd')).toBe('••••abcd');
    expect(mask('12345678')).toBe('••••5678');
    expect(mask('key with emoji 🔑🔑🔑🔑')).toBe('••••🔑🔑🔑🔑');
  });

  it('shows nothing of a value too short to spare four characters', () => {
    expect(mask('')).toBe('••••');
    expect(mask('abcd')).toBe('••••');
    expect(mask('1234567')).toBe('••••');
  });
});
