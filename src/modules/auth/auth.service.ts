import { Inject, Injectable } from '@nestjs/common';
import { compare, hash } from 'bcrypt';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../../common/auth/token.service';
import { RequestContext } from '../../common/tenancy/request-context';
import { randomToken, sha256 } from '../../common/crypto/tokens';
import { AppException } from '../../common/errors/app-exception';
import { MailService } from '../../common/mail/mail.service';
import { decodeCursor, TIME_CURSOR, toPage, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { AppConfig } from '../../config/app-config';
import { DbContext } from '../../database/db-context';
import { toUserResponse, type UserResponseDto } from '../users/dto/user-response.dto';
import { AuthRepository, type PublicUser, type SessionRow } from './auth.repository';
import type {
  AuthTokensResponseDto,
  ChangePasswordDto,
  LoginDto,
  RegisterDto,
  SessionResponseDto,
} from './dto/auth.dto';
import { MAIL_LIMIT, SlidingWindowLimit } from './sliding-window-limit';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const VERIFICATION_TTL_MS = DAY_MS;
const RESET_TTL_MS = HOUR_MS;
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
    private readonly mail: MailService,
    private readonly attempts: SlidingWindowLimit,
    @Inject(MAIL_LIMIT) private readonly mailLimit: SlidingWindowLimit,
  ) {}

  hashPassword(password: string): Promise<string> {
    return hash(password, this.config.BCRYPT_COST);
  }

  async register(dto: RegisterDto): Promise<AuthTokensResponseDto> {
    const passwordHash = await this.hashPassword(dto.password);
    // RLS: the email scope sees (and may create) only the user with that email; then the new user's scope.
    const response = await this.db.run({ email: dto.email }, async () => {
      if (await this.repository.findUserByEmail(dto.email))
        throw new AppException('DUPLICATE', 'An account with this email already exists');
      const user = await this.repository.createUser({ email: dto.email, name: dto.name, passwordHash });
      return this.db.run({ userId: user.id }, async () => (await this.startSession(user)).response);
    });
    await this.sendVerificationMail(response.user.id, response.user.email);
    return response;
  }

  /**
   * Signs in. Failures count against the account and the client IP; once either has
   * LOGIN_MAX_FAILURES within LOGIN_WINDOW_SECONDS, sign-in answers 429 even to the right password.
   */
  async login(dto: LoginDto): Promise<AuthTokensResponseDto> {
    const accountKey = `email:${dto.email}`;
    const ip = this.context.requestMeta.ip;
    const keys = ip ? [accountKey, `ip:${ip}`] : [accountKey];
    if (keys.some((key) => this.attempts.isExhausted(key))) throw tooManyAttempts();
    // Counted before the (slow) check, in the same tick as isExhausted: parallel guesses cannot slip past the limit.
    for (const key of keys) this.attempts.record(key);
    // RLS: the email scope sees that one user; its hash comes from app_password_hash(). No
    // transaction stays open during the (slow) bcrypt comparison.
    const { user, passwordHash } = await this.db.run({ email: dto.email }, async () => {
      const found = await this.repository.findUserByEmail(dto.email);
      return { user: found, passwordHash: found && (await this.repository.passwordHashInScope()) };
    });
    const valid = await compare(dto.password, passwordHash ?? TIMING_DUMMY_HASH);
    if (!user || !valid || !passwordHash) throw new AppException('UNAUTHENTICATED', 'Email or password is incorrect');
    // A success clears the account's count but only takes back its own IP failure: it must not
    // clear an IP that is guessing other accounts.
    this.attempts.reset(accountKey);
    if (ip) this.attempts.forgive(`ip:${ip}`);
    if (user.suspendedAt) throw new AppException('UNAUTHENTICATED', 'This account is suspended');
    return this.db.run({ userId: user.id }, async () => {
      const result = await this.startSession(user);
      await this.audit.recordForUser(user.id, {
        actor: { type: 'USER', id: user.id },
        action: 'auth.login',
        resourceType: 'session',
        resourceId: result.sessionId,
      });
      return result.response;
    });
  }

  /** Exchanges a refresh token for a new pair. A token used twice revokes its whole session. */
  async refresh(refreshToken: string): Promise<AuthTokensResponseDto> {
    const now = new Date();
    const tokenHash = sha256(refreshToken);
    // RLS: the token-hash scope sees this token and its session; then widen to the session's user.
    const outcome = await this.db.run({ tokenHash }, async () => {
      const token = await this.repository.findRefreshToken(tokenHash);
      if (!token) return 'invalid' as const;
      const { session } = token;
      return this.db.run({ userId: session.userId }, async () => {
        if (token.usedAt || !(await this.repository.markRefreshTokenUsed(token.id, now))) {
          await this.repository.revokeSession(session.userId, session.id, now);
          return 'reused' as const;
        }
        if (session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) return 'invalid' as const;
        const user = await this.repository.findUserById(session.userId);
        if (!user || user.suspendedAt || user.deletedAt) return 'invalid' as const;
        await this.repository.touchSession(session.id, now);
        return this.issueTokens(user, session);
      });
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

  /** Consumes a verification link's token and marks the email verified. */
  async verifyEmail(token: string): Promise<UserResponseDto> {
    const now = new Date();
    const tokenHash = sha256(token);
    // RLS: the token-hash scope sees this token; then widen to its user.
    const user = await this.db.run({ tokenHash }, async () => {
      const record = await this.repository.findUsableVerificationToken('EMAIL_VERIFICATION', tokenHash, now);
      if (!record || !(await this.repository.consumeVerificationToken(record.id, now))) throw invalidToken();
      return this.db.run({ userId: record.userId }, async () => {
        const owner = await this.repository.findUserById(record.userId);
        if (!owner) throw invalidToken();
        return owner.emailVerifiedAt ? owner : this.repository.markEmailVerified(record.userId, now);
      });
    });
    return toUserResponse(user);
  }

  /** Sends the caller a new verification link, unless the email is already verified. */
  async resendVerification(): Promise<void> {
    const principal = this.context.requireUser();
    const user = await this.repository.findUserById(principal.userId);
    if (!user || user.emailVerifiedAt) return;
    await this.sendVerificationMail(user.id, user.email);
  }

  /** Mails a reset link when the account exists; the answer is the same either way. */
  async forgotPassword(email: string): Promise<void> {
    // RLS: the email scope sees that one user, if any.
    const user = await this.db.run({ email }, () => this.repository.findUserByEmail(email));
    if (!user || user.suspendedAt || user.deletedAt || !this.mailAllowed(user.email)) return;
    const token = randomToken();
    await this.db.run({ userId: user.id }, () =>
      this.repository.createVerificationToken({
        userId: user.id,
        purpose: 'PASSWORD_RESET',
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + RESET_TTL_MS),
      }),
    );
    this.mail.send({
      to: user.email,
      subject: 'Reset your Orgbase password',
      text:
        `Someone asked to reset the password of your Orgbase account.\n\n` +
        `Choose a new password: ${this.mail.link('/reset-password', { token })}\n\n` +
        `The link works once, for one hour. If it was not you, ignore this email.`,
    });
  }

  /** Sets a new password from a reset link and ends every session of the user. */
  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await this.hashPassword(password);
    const now = new Date();
    const tokenHash = sha256(token);
    // RLS: the token-hash scope sees this token; then widen to its user.
    const email = await this.db.run({ tokenHash }, async () => {
      const record = await this.repository.findUsableVerificationToken('PASSWORD_RESET', tokenHash, now);
      if (!record || !(await this.repository.consumeVerificationToken(record.id, now))) throw invalidToken();
      return this.db.run({ userId: record.userId }, async () => {
        const owner = await this.repository.findUserById(record.userId);
        if (!owner) throw invalidToken();
        await this.repository.updatePasswordHash(owner.id, passwordHash);
        await this.repository.consumeAllVerificationTokens(owner.id, 'PASSWORD_RESET', now);
        await this.repository.revokeAllSessions(owner.id, now);
        await this.auditUserEvent(owner.id, 'user.password_reset');
        return owner.email;
      });
    });
    // The owner of the mailbox proved themselves: lift a lockout of the account.
    this.attempts.reset(`email:${email}`);
  }

  /** Changes the caller's password; their other sessions end, this one stays. */
  async changePassword(dto: ChangePasswordDto): Promise<void> {
    const principal = this.context.requireUser();
    const user = await this.confirmPassword(dto.currentPassword, 'The current password is incorrect');
    const passwordHash = await this.hashPassword(dto.newPassword);
    const now = new Date();
    await this.repository.updatePasswordHash(user.id, passwordHash);
    await this.repository.revokeOtherSessions(user.id, principal.sessionId, now);
    await this.auditUserEvent(user.id, 'user.password_changed');
  }

  /**
   * Checks the signed-in caller's password again before a sensitive change (a new password,
   * deleting the account): 403 when it is wrong. Guesses count like failed sign-ins, so a stolen
   * access token cannot brute-force it. An account without a password cannot confirm this way.
   */
  async confirmPassword(password: string, wrong = 'The password is incorrect'): Promise<PublicUser> {
    const principal = this.context.requireUser();
    // The request's scope is the caller's: their row, and their hash from app_password_hash().
    const user = await this.repository.findUserById(principal.userId);
    if (!user) throw AppException.forbidden(wrong);
    const currentHash = await this.repository.passwordHashInScope();
    if (!currentHash) {
      throw AppException.forbidden('This account has no password to confirm with; set one with forgot-password first');
    }
    const accountKey = `email:${principal.email}`;
    if (this.attempts.isExhausted(accountKey)) throw tooManyAttempts();
    this.attempts.record(accountKey);
    if (!(await compare(password, currentHash))) throw AppException.forbidden(wrong);
    this.attempts.reset(accountKey);
    return user;
  }

  /** The caller's live sessions, newest first. */
  async listSessions(query: PageQueryDto): Promise<Page<SessionResponseDto>> {
    const principal = this.context.requireUser();
    const after = decodeCursor(query.cursor, TIME_CURSOR);
    const rows = await this.repository.listLiveSessions(principal.userId, {
      limit: query.limit + 1,
      now: new Date(),
      after,
    });
    return toPage(
      rows,
      query.limit,
      (session) => toSessionResponse(session, principal.sessionId),
      (session) => ({ createdAt: session.createdAt, id: session.id }),
    );
  }

  /** Ends one of the caller's sessions; anyone else's (or an ended one) is not found. */
  async revokeSession(sessionId: string): Promise<void> {
    const principal = this.context.requireUser();
    if (!(await this.repository.revokeSession(principal.userId, sessionId, new Date())))
      throw AppException.notFound('Session');
  }

  /** Counts a mail to `email`; false once the address has had its share this hour (the answer stays the same). */
  private mailAllowed(email: string): boolean {
    if (this.mailLimit.isExhausted(email)) return false;
    this.mailLimit.record(email);
    return true;
  }

  private async sendVerificationMail(userId: string, email: string): Promise<void> {
    if (!this.mailAllowed(email)) return;
    const token = randomToken();
    await this.db.run({ userId }, () =>
      this.repository.createVerificationToken({
        userId,
        purpose: 'EMAIL_VERIFICATION',
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS),
      }),
    );
    this.mail.send({
      to: email,
      subject: 'Confirm your email address',
      text:
        `Welcome to Orgbase.\n\n` +
        `Confirm your email address: ${this.mail.link('/verify-email', { token })}\n\n` +
        `The link works for 24 hours.`,
    });
  }

  /** Password events are audited in the user's audit org, like sign-ins, when they have one. */
  private async auditUserEvent(userId: string, action: string): Promise<void> {
    await this.audit.recordForUser(userId, {
      actor: { type: 'USER', id: userId },
      action,
      resourceType: 'user',
      resourceId: userId,
    });
  }

  /** Runs in the user's scope. */
  private async startSession(user: PublicUser): Promise<{ response: AuthTokensResponseDto; sessionId: string }> {
    const meta = this.context.requestMeta;
    const session = await this.repository.createSession({
      userId: user.id,
      ip: meta.ip,
      userAgent: meta.userAgent,
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * DAY_MS),
    });
    return { response: await this.issueTokens(user, session), sessionId: session.id };
  }

  /** Runs in the session user's scope; the new refresh token is written in its own token-hash scope (RLS). */
  private async issueTokens(user: PublicUser, session: SessionRow): Promise<AuthTokensResponseDto> {
    const refreshToken = randomToken();
    const tokenHash = sha256(refreshToken);
    await this.db.run({ tokenHash }, () => this.repository.addRefreshToken(session.id, tokenHash, session.expiresAt));
    const accessToken = await this.tokens.signAccessToken({ sub: user.id, sid: session.id, email: user.email });
    return { user: toUserResponse(user), accessToken, refreshToken, expiresIn: this.tokens.accessTokenTtlSeconds };
  }
}

function toSessionResponse(session: SessionRow, currentSessionId: string): SessionResponseDto {
  const { id, ip, userAgent, createdAt, lastUsedAt, expiresAt } = session;
  return { id, ip, userAgent, createdAt, lastUsedAt, expiresAt, current: id === currentSessionId };
}

function tooManyAttempts(): AppException {
  return new AppException('RATE_LIMITED', 'Too many failed sign-in attempts; try again later');
}

function invalidToken(): AppException {
  return new AppException('VALIDATION_FAILED', 'The link is invalid, expired or already used', [
    { field: 'token', messages: ['token is invalid, expired or already used'] },
  ]);
}
