import { Injectable } from '@nestjs/common';
import { compare, hash } from 'bcrypt';
import { AuditService } from '../../common/audit/audit.service';
import { TokenService } from '../../common/auth/token.service';
import { RequestContext } from '../../common/context/request-context';
import { randomToken, sha256 } from '../../common/crypto/tokens';
import { AppException } from '../../common/errors/app-exception';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import type { Session, User } from '../../generated/prisma/client';
import { AuthRepository } from './auth.repository';
import type { AuthTokensResponseDto, LoginDto, RegisterDto, UserResponseDto } from './dto/auth.dto';

const DAY_MS = 24 * 3600 * 1000;
// A real hash of an unguessable value: unknown emails cost the same bcrypt work as wrong passwords.
const TIMING_DUMMY_HASH = '$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Q6p4qZ7x9bJpQ4G0Gk1j0r9o6Yq1wW';

@Injectable()
export class AuthService {
  constructor(
    private readonly repository: AuthRepository,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly db: DbContext,
    private readonly config: AppConfig,
  ) {}

  hashPassword(password: string): Promise<string> {
    return hash(password, this.config.BCRYPT_COST);
  }

  async register(dto: RegisterDto): Promise<AuthTokensResponseDto> {
    const passwordHash = await this.hashPassword(dto.password);
    return this.db.run({}, async () => {
      if (await this.repository.findUserByEmail(dto.email))
        throw new AppException('DUPLICATE', 'An account with this email already exists');
      const user = await this.repository.createUser({ email: dto.email, name: dto.name, passwordHash });
      return (await this.startSession(user)).response;
    });
  }

  async login(dto: LoginDto): Promise<AuthTokensResponseDto> {
    const user = await this.repository.findUserByEmail(dto.email);
    const valid = await compare(dto.password, user?.passwordHash ?? TIMING_DUMMY_HASH);
    if (!user || !valid || !user.passwordHash)
      throw new AppException('UNAUTHENTICATED', 'Email or password is incorrect');
    if (user.suspendedAt) throw new AppException('UNAUTHENTICATED', 'This account is suspended');
    return this.db.run({ userId: user.id }, async () => {
      const result = await this.startSession(user);
      const orgId = await this.repository.findAuditOrgId(user.id);
      if (orgId) {
        await this.audit.record({
          orgId,
          actor: { type: 'USER', id: user.id },
          action: 'auth.login',
          resourceType: 'session',
          resourceId: result.sessionId,
        });
      }
      return result.response;
    });
  }

  /** Exchanges a refresh token for a new pair. A token used twice revokes its whole session. */
  async refresh(refreshToken: string): Promise<AuthTokensResponseDto> {
    const now = new Date();
    const outcome = await this.db.run({}, async () => {
      const token = await this.repository.findRefreshToken(sha256(refreshToken));
      if (!token) return 'invalid' as const;
      const { session } = token;
      if (token.usedAt || !(await this.repository.markRefreshTokenUsed(token.id, now))) {
        await this.repository.revokeSession(session.userId, session.id, now);
        return 'reused' as const;
      }
      if (session.revokedAt || session.expiresAt <= now || token.expiresAt <= now || session.user.suspendedAt)
        return 'invalid' as const;
      await this.repository.touchSession(session.id, now);
      return this.issueTokens(session.user, session);
    });
    if (outcome === 'reused')
      throw new AppException('UNAUTHENTICATED', 'Refresh token already used: the session has been revoked');
    if (outcome === 'invalid') throw new AppException('UNAUTHENTICATED', 'Invalid or expired refresh token');
    return outcome;
  }

  async logout(): Promise<void> {
    const principal = this.context.requireUser();
    await this.repository.revokeSession(principal.userId, principal.sessionId, new Date());
  }

  private async startSession(user: User): Promise<{ response: AuthTokensResponseDto; sessionId: string }> {
    const meta = this.context.requestMeta;
    const session = await this.repository.createSession({
      userId: user.id,
      ip: meta.ip,
      userAgent: meta.userAgent,
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * DAY_MS),
    });
    return { response: await this.issueTokens(user, session), sessionId: session.id };
  }

  private async issueTokens(user: User, session: Session): Promise<AuthTokensResponseDto> {
    const refreshToken = randomToken();
    await this.repository.addRefreshToken(session.id, sha256(refreshToken), session.expiresAt);
    const accessToken = await this.tokens.signAccessToken({ sub: user.id, sid: session.id, email: user.email });
    return { user: toUserResponse(user), accessToken, refreshToken, expiresIn: this.tokens.accessTokenTtlSeconds };
  }
}

export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    platformRole: user.platformRole,
    createdAt: user.createdAt,
  };
}
