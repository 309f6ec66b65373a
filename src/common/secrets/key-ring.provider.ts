import { join } from 'node:path';
import type { Provider } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { keptSecret } from '../auth/secrets';
import { formatKeyRingSpec, generateEncryptionKey, KeyRing, KeyRingConfigError } from './key-ring';

export { KeyRing };

/** Id of the key the embedded default generates (copy it into ENCRYPTION_KEYS to keep its data readable). */
export const GENERATED_KEY_ID = 'local';

const memoryRings = new WeakMap<AppConfig, KeyRing>();

/**
 * ENCRYPTION_KEYS from the environment; otherwise (never in production, where config refuses to
 * start without it) a key generated once and kept in DATA_DIR/secrets.json as `encryptionKeys`,
 * or, for DATA_DIR=memory://, one that lives as long as the process.
 */
export function resolveKeyRing(config: AppConfig): KeyRing {
  if (config.ENCRYPTION_KEYS) return KeyRing.fromSpec(config.ENCRYPTION_KEYS);
  if (config.DATA_DIR === 'memory://') {
    // One per configuration, so the demo seeder and the server encrypt and read with the same key.
    const ring = memoryRings.get(config) ?? new KeyRing([generateEncryptionKey(GENERATED_KEY_ID)]);
    memoryRings.set(config, ring);
    return ring;
  }
  const spec = keptSecret(
    config.DATA_DIR,
    'encryptionKeys',
    () => formatKeyRingSpec([generateEncryptionKey(GENERATED_KEY_ID)]),
    'ENCRYPTION_KEYS',
  );
  try {
    return KeyRing.fromSpec(spec);
  } catch (error) {
    if (!(error instanceof KeyRingConfigError)) throw error;
    throw new KeyRingConfigError(`${join(config.DATA_DIR, 'secrets.json')}: encryptionKeys ${error.message}`);
  }
}

/** The key ring, injectable as `KeyRing` wherever secrets are encrypted or read. */
export const keyRingProvider: Provider = { provide: KeyRing, inject: [AppConfig], useFactory: resolveKeyRing };
