/**
 * HS256 access tokens with node:crypto alone: the benchmark signs the token Orgbase accepts
 * (same secret, issuer, audience, sub = user id, sid = session id), and the bare server verifies
 * it the way a careful hand-written server would (HMAC with a KeyObject made once, constant-time
 * compare, algorithm pinned, iss/aud/exp/nbf checked).
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface AccessClaims {
  sub: string;
  sid: string;
  email: string;
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
  nbf?: number;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function hmac(key: KeyObject, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput).digest();
}

export function secretKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret));
}

export function signAccessToken(key: KeyObject, claims: AccessClaims): string {
  const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${hmac(key, signingInput).toString('base64url')}`;
}

/** The claims when the token is a valid HS256 JWT of this issuer and audience, else null. */
export function verifyAccessToken(
  token: string,
  key: KeyObject,
  expected: { issuer: string; audience: string },
): AccessClaims | null {
  const [header, payload, signature, extra] = token.split('.');
  if (!header || !payload || !signature || extra !== undefined) return null;
  const actual = Buffer.from(signature, 'base64url');
  const wanted = hmac(key, `${header}.${payload}`);
  if (actual.length !== wanted.length || !timingSafeEqual(actual, wanted)) return null;
  let claims: AccessClaims;
  try {
    if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg !== 'HS256') return null;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as AccessClaims;
  } catch {
    return null;
  }
  const now = Math.floor(Date.now() / 1000);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== expected.issuer || !audiences.includes(expected.audience)) return null;
  if (typeof claims.exp !== 'number' || claims.exp <= now) return null;
  if (typeof claims.nbf === 'number' && claims.nbf > now) return null;
  return claims;
}
