import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { randomToken } from '../crypto/tokens';

export interface Secrets {
  jwtSecret: string;
}

/**
 * JWT_SECRET from the environment; otherwise (never in production, where config refuses to
 * start without it) a secret generated once and kept in DATA_DIR/secrets.json.
 */
export function resolveSecrets(config: AppConfig): Secrets {
  if (config.JWT_SECRET) return { jwtSecret: config.JWT_SECRET };
  if (config.DATA_DIR === 'memory://') return { jwtSecret: randomToken(48) };
  const file = join(config.DATA_DIR, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  mkdirSync(config.DATA_DIR, { recursive: true });
  const secrets: Secrets = { jwtSecret: randomToken(48) };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  new Logger('Secrets').warn(`No JWT_SECRET set: generated one and kept it in ${file}`);
  return secrets;
}
