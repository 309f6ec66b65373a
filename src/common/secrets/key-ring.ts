import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** One AES-256 key of the ring: its id travels inside every value encrypted under it. */
export interface EncryptionKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

/** The stored format's version tag: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, each part base64url. */
export const STORED_SECRET_VERSION = 'v1';
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const MASK = '••••';

/** A bad ENCRYPTION_KEYS value; the message never contains key material. */
export class KeyRingConfigError extends Error {
  override name = 'KeyRingConfigError';
}

/** A stored secret that cannot be decrypted: malformed, tampered with, or bound to other associated data. */
export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

/** A stored secret encrypted under a key id the ring does not hold (removed from ENCRYPTION_KEYS too early?). */
export class UnknownEncryptionKeyError extends SecretDecryptionError {
  override name = 'UnknownEncryptionKeyError';
  constructor(
    readonly keyId: string,
    known: readonly string[],
  ) {
    super(
      `Secret is encrypted under key "${keyId}", which ENCRYPTION_KEYS does not hold (it holds: ${known.join(', ')})`,
    );
  }
}

/**
 * Parses ENCRYPTION_KEYS: comma-separated `id:base64key` pairs, newest first, each key 32 bytes
 * after base64 decoding, ids `[A-Za-z0-9_-]{1,32}` and unique. Throws a KeyRingConfigError with a
 * one-line reason; an id is named only once it is known to be one (a swapped `key:id` must not
 * print the key).
 */
export function parseKeyRingSpec(spec: string): EncryptionKey[] {
  const entries = spec.split(',').map((entry) => entry.trim());
  const keys: EncryptionKey[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    if (entry === '') throw new KeyRingConfigError(`${where} is empty (stray comma?)`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw new KeyRingConfigError(`${where} must be id:base64key`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID_PATTERN.test(id)) {
      throw new KeyRingConfigError(`${where} has an invalid key id (1 to 32 of A-Z a-z 0-9 _ -)`);
    }
    if (!BASE64.test(encoded)) throw new KeyRingConfigError(`key "${id}" is not base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new KeyRingConfigError(`key "${id}" must be ${KEY_BYTES} bytes after base64 decoding, not ${key.length}`);
    }
    if (keys.some((other) => other.id === id)) throw new KeyRingConfigError(`key id "${id}" appears more than once`);
    keys.push({ id, key });
  });
  return keys;
}

/** The ENCRYPTION_KEYS form of keys (newest first). */
export function formatKeyRingSpec(keys: readonly EncryptionKey[]): string {
  return keys.map(({ id, key }) => `${id}:${key.toString('base64')}`).join(',');
}

/** A fresh random 32-byte key. */
export function generateEncryptionKey(id: string): EncryptionKey {
  return { id, key: randomBytes(KEY_BYTES) };
}

/** What API responses show instead of a secret: its last four characters (nothing of a value under 8). */
export function mask(plain: string): string {
  const chars = Array.from(plain);
  return chars.length < 8 ? MASK : MASK + chars.slice(-4).join('');
}

interface StoredSecret {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * AES-256-GCM under a ring of keys, newest first: encrypts under the newest, decrypts under
 * whichever key id the stored value names. Stored values are
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts, random 12-byte IV, 16-byte tag). The
 * optional associated data binds a value to where it belongs (see secret-columns.ts): decrypting
 * with other associated data fails, as does any change to the stored value.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new KeyRingConfigError('the key ring needs at least one key');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID_PATTERN.test(id)) throw new KeyRingConfigError('invalid key id (1 to 32 of A-Z a-z 0-9 _ -)');
      if (key.length !== KEY_BYTES) throw new KeyRingConfigError(`key "${id}" must be ${KEY_BYTES} bytes`);
      if (map.has(id)) throw new KeyRingConfigError(`key id "${id}" appears more than once`);
      map.set(id, Buffer.from(key));
    }
    this.#keys = map;
    this.currentKeyId = keys[0]!.id;
  }

  /** A ring from an ENCRYPTION_KEYS value. */
  static fromSpec(spec: string): KeyRing {
    return new KeyRing(parseKeyRingSpec(spec));
  }

  /** Key ids, newest first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts under the newest key. */
  encrypt(plaintext: string, aad?: string): string {
    const keyId = this.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(keyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(keyId, aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [STORED_SECRET_VERSION, keyId, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * The plaintext of a stored value. Throws UnknownEncryptionKeyError for a key id the ring
   * lacks, SecretDecryptionError for anything malformed, altered or decrypted with other
   * associated data than it was encrypted with. Never returns garbage.
   */
  decrypt(stored: string, aad?: string): string {
    const { keyId, iv, tag, ciphertext } = parseStoredSecret(stored);
    const key = this.#keys.get(keyId);
    if (!key) throw new UnknownEncryptionKeyError(keyId, this.keyIds);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(keyId, aad));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        `Secret under key "${keyId}" failed authentication: altered, or read with other associated data than it was stored with`,
      );
    }
  }

  /** The key id a stored value names (throws SecretDecryptionError if it is malformed). */
  keyIdOf(stored: string): string {
    return parseStoredSecret(stored).keyId;
  }

  /** Whether a stored value was encrypted under an older key than the newest. */
  needsRotation(stored: string): boolean {
    return this.keyIdOf(stored) !== this.currentKeyId;
  }

  /** The value re-encrypted under the newest key, or the same value when it already is. */
  reencrypt(stored: string, aad?: string): string {
    return this.needsRotation(stored) ? this.encrypt(this.decrypt(stored, aad), aad) : stored;
  }

  /** Key material never reaches logs or JSON. */
  toJSON(): { keyIds: string[] } {
    return { keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `KeyRing { keyIds: [${this.keyIds.join(', ')}] }`;
  }
}

// The version and key id are authenticated too, then the caller's associated data.
function associatedData(keyId: string, aad: string | undefined): Buffer {
  return Buffer.from(`${STORED_SECRET_VERSION}.${keyId}.${aad ?? ''}`, 'utf8');
}

function parseStoredSecret(stored: string): StoredSecret {
  const parts = typeof stored === 'string' ? stored.split('.') : [];
  if (parts.length !== 5)
    throw new SecretDecryptionError('Stored secret is malformed (expected v1.<keyId>.<iv>.<tag>.<ciphertext>)');
  const [version, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (version !== STORED_SECRET_VERSION) {
    throw new SecretDecryptionError('Stored secret has an unknown format version');
  }
  if (!KEY_ID_PATTERN.test(keyId)) throw new SecretDecryptionError('Stored secret has an invalid key id');
  const decoded = {
    keyId,
    iv: decodePart(iv, 'IV'),
    tag: decodePart(tag, 'tag'),
    ciphertext: decodePart(ciphertext, 'ciphertext'),
  };
  if (decoded.iv.length !== IV_BYTES) throw new SecretDecryptionError(`Stored secret's IV is not ${IV_BYTES} bytes`);
  if (decoded.tag.length !== TAG_BYTES)
    throw new SecretDecryptionError(`Stored secret's tag is not ${TAG_BYTES} bytes`);
  return decoded;
}

// Canonical base64url only: Buffer.from ignores stray characters and unused trailing bits, so a
// changed character could otherwise decode to the same bytes.
function decodePart(part: string, name: string): Buffer {
  const bytes = Buffer.from(part, 'base64url');
  if (!BASE64URL.test(part) || bytes.toString('base64url') !== part) {
    throw new SecretDecryptionError(`Stored secret's ${name} is not canonical base64url`);
  }
  return bytes;
}
