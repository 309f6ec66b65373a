import { createHash, randomBytes } from 'node:crypto';

/** A random URL-safe secret (refresh, verification, reset and invitation tokens; API keys). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** How secrets are stored: SHA-256, hex. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
