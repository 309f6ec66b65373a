import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import type { Principal, RequestStore } from '../tenancy/request-context';
import { sha256 } from '../crypto/tokens';
import { AppException } from '../errors/app-exception';
import { TenancyRepository } from '../tenancy/tenancy.repository';
import { AccessCache } from '../tenancy/access-cache';
import { PUBLIC_KEY, PUBLIC_READS_CALLER_KEY } from './decorators';

export const API_KEY_PREFIX = 'ob_';
const TOUCH_INTERVAL_MS = 60_000;

const JwtGuard = AuthGuard('jwt');

/**
 * First guard: who is calling. A service API key (`Bearer ob_...`) or a JWT access token whose
 * session and user are still live. Everything not @Public() needs one of them.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly jwtGuard = new JwtGuard();

  constructor(
    private readonly reflector: Reflector,
    private readonly cls: ClsService<RequestStore>,
    private readonly access: TenancyRepository,
    private readonly db: DbContext,
    private readonly config: AppConfig,
    private readonly cache: AccessCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    this.cls.set('requestId', String(request.id));
    this.cls.set('ip', request.ip);
    this.cls.set('userAgent', request.headers['user-agent']);
    const header = request.headers.authorization ?? '';
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) {
      const readsCaller = this.reflector.get<boolean>(PUBLIC_READS_CALLER_KEY, context.getHandler());
      if (!readsCaller || !header) return true;
    }

    const [scheme, credential] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !credential) throw unauthenticated('Missing bearer credentials');

    const principal = credential.startsWith(API_KEY_PREFIX)
      ? await this.authenticateApiKey(credential)
      : await this.authenticateJwt(context, request);
    this.cls.set('principal', principal);
    return true;
  }

  private async authenticateJwt(context: ExecutionContext, request: { user?: Principal }): Promise<Principal> {
    try {
      await this.jwtGuard.canActivate(context);
    } catch (error) {
      // Only a token or session that fails the check is a 401. The database being away is not
      // the client's fault (503): a client that dropped its session on 401 would lose it for nothing.
      if (error instanceof UnauthorizedException) throw unauthenticated('Invalid or expired access token');
      throw error;
    }
    if (!request.user) throw unauthenticated('Invalid or expired access token');
    return request.user;
  }

  private async authenticateApiKey(key: string): Promise<Principal> {
    const keyHash = sha256(key);
    const record = await this.cache.remember(
      `apikey-hash:${keyHash}`,
      () => this.db.run({ tokenHash: keyHash }, () => this.access.findApiKeyByHash(keyHash)),
      (key) => [`apikey:${key.id}`, `org:${key.orgId}`],
    );
    const now = new Date();
    if (!record || record.revokedAt || record.orgDeleted || (record.expiresAt && record.expiresAt <= now)) {
      throw unauthenticated('Invalid, revoked or expired API key');
    }
    // lastUsedAt at minute precision: one write per key per minute, not per request.
    if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.db.run({ orgId: record.orgId, tokenHash: keyHash }, () => this.access.touchApiKey(record.id, now));
      record.lastUsedAt = now; // also in the cached record: the next request need not touch it again
    }
    return {
      kind: 'apiKey',
      apiKeyId: record.id,
      orgId: record.orgId,
      scopes: record.scopes,
      rateLimitPerMinute: record.rateLimitPerMinute ?? this.config.API_KEY_RATE_LIMIT_PER_MINUTE,
    };
  }
}

function unauthenticated(detail: string): AppException {
  return new AppException('UNAUTHENTICATED', detail);
}
