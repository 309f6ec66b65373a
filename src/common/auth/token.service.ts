import { createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import type { Secrets } from './secrets';
import { SECRETS } from './secrets.provider';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  email: string;
}

/**
 * Access tokens: short-lived HS256 JWTs bound to a session (sid) so logout and suspension end them.
 * Also derives the refresh token that succeeds another one.
 */
@Injectable()
export class TokenService {
  private readonly successorKey: Buffer;

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    @Inject(SECRETS) private readonly secrets: Secrets,
  ) {
    // Its own key, derived from the JWT secret: the two uses never share a key.
    this.successorKey = Buffer.from(hkdfSync('sha256', secrets.jwtSecret, '', 'orgbase refresh-token successor', 32));
  }

  /**
   * The refresh token that replaces `previous` when it is rotated: HMAC-SHA256 of it under a
   * server key. The same every time, so a retry within REFRESH_REUSE_GRACE_SECONDS gets the very
   * pair the first refresh got, without the database ever holding the token (only its SHA-256,
   * like any refresh token). Without the server's secret it is as unguessable as a random one.
   */
  successorRefreshToken(previous: string): string {
    return createHmac('sha256', this.successorKey).update(previous).digest('base64url');
  }

  get accessTokenTtlSeconds(): number {
    return this.config.ACCESS_TOKEN_TTL_SECONDS;
  }

  signAccessToken(claims: AccessTokenClaims): Promise<string> {
    return this.jwt.signAsync(claims, {
      secret: this.secrets.jwtSecret,
      algorithm: 'HS256',
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
    });
  }
}
