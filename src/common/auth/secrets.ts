import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { randomToken } from '../crypto/tokens';

export interface Secrets {
  jwtSecret: string;
}

/** DATA_DIR/secrets.json: what the embedded default generates once and keeps (an older file has only jwtSecret). */
export interface KeptSecrets {
  jwtSecret?: string;
  /** The key ring in ENCRYPTION_KEYS form (`id:base64key`). */
  encryptionKeys?: string;
}

/**
 * JWT_SECRET from the environment; otherwise (never in production, where config refuses to
 * start without it) a secret generated once and kept in DATA_DIR/secrets.json.
 */
export function resolveSecrets(config: AppConfig): Secrets {
  if (config.JWT_SECRET) return { jwtSecret: config.JWT_SECRET };
  if (config.DATA_DIR === 'memory://') return { jwtSecret: randomToken(48) };
  return { jwtSecret: keptSecret(config.DATA_DIR, 'jwtSecret', () => randomToken(48), 'JWT_SECRET') };
}

/**
 * The entry `name` of DATA_DIR/secrets.json; when missing, generated, added to the file (other
 * entries kept) and announced once in the log as `No <variable> set: …`.
 */
export function keptSecret(dataDir: string, name: keyof KeptSecrets, generate: () => string, variable: string): string {
  const file = join(dataDir, 'secrets.json');
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeptSecrets) : {};
  const existing = kept[name];
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  // Whole file or nothing: a crash mid-write must not lose the secrets already kept.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify({ ...kept, [name]: value }, null, 2), { mode: 0o600 });
  renameSync(partial, file);
  new Logger('Secrets').warn(`No ${variable} set: generated one and kept it in ${file}`);
  return value;
}
