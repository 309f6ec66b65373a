import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import type { Principal } from '../tenancy/request-context';
import { TenancyRepository } from '../tenancy/tenancy.repository';
import { AccessCache } from '../tenancy/access-cache';
import type { AccessTokenClaims } from './token.service';
import type { Secrets } from './secrets';
import { SECRETS } from './secrets.provider';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

/** Verifies the JWT (HS256 only, iss and aud checked) and that its session and user are still live. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    @Inject(SECRETS) secrets: Secrets,
    private readonly access: TenancyRepository,
    private readonly cache: AccessCache,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A key object, not the string: given a string or buffer, jsonwebtoken first tries to parse it
      // as a PEM public key on every verification, fails, and only then makes a secret key of it.
      // passport-jwt hands it to jsonwebtoken as is; only its typings lag behind (string | Buffer).
      secretOrKey: createSecretKey(Buffer.from(secrets.jwtSecret)) as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessTokenClaims): Promise<Principal | false> {
    // Only this server signs them, but the ids go into a uuid-typed query: anything else is no session.
    if (!isUuid(claims.sub) || !isUuid(claims.sid)) return false;
    const { sub: userId, sid: sessionId } = claims;
    const session = await this.cache.remember(
      `session:${userId}:${sessionId}`,
      () => this.access.findActiveSession(userId, sessionId),
      () => [`session:${userId}:${sessionId}`, `user:${userId}`],
      (live) => live.expiresAt.getTime() - Date.now(),
    );
    if (!session) return false;
    return {
      kind: 'user',
      userId: session.userId,
      email: session.email,
      sessionId: claims.sid,
      platformRole: session.platformRole,
    };
  }
}
