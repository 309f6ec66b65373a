import { Injectable } from '@nestjs/common';
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
import type { VerificationPurpose } from '../../generated/prisma/enums';
import type {
  AuthTokensResponseDto,
  ChangePasswordDto,
  LoginDto,
  RegisterDto,
  SessionResponseDto,
} from './dto/auth.dto';
import { AuthThrottle } from './auth-throttle';
import { DeferredWork } from './deferred-work';

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** How long each kind of mailed link works. */
const LINK_TTL_MS: Record<VerificationPurpose, number> = {
  EMAIL_VERIFICATION: DAY_MS,
  PASSWORD_RESET: HOUR_MS,
  ACCOUNT_UNLOCK: HOUR_MS,
};
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
    private readonly throttle: AuthThrottle,
    private readonly deferred: DeferredWork,
  ) {}

  hashPassword(password: string): Promise<string> {
    return hash(password, this.config.BCRYPT_COST);
  }

  /** Creates the account and signs in. A taken email is 409, which one address gets only so often (AuthThrottle). */
  async register(dto: RegisterDto): Promise<AuthTokensResponseDto> {
    const ip = this.clientIp();
    await this.throttle.beginRegistration(ip);
    const passwordHash = await this.hashPassword(dto.password);
    // RLS: the email scope sees (and may create) only the user with that email; then the new user's scope.
    const response = await this.db.run({ email: dto.email }, async () => {
      if (await this.repository.findUserByEmail(dto.email))
        throw new AppException('DUPLICATE', 'An account with this email already exists');
      const user = await this.repository.createUser({ email: dto.email, name: dto.name, passwordHash });
      return this.db.run({ userId: user.id }, async () => (await this.startSession(user)).response);
    });
    await this.throttle.registered(ip);
    await this.mailLink(response.user.id, response.user.email, 'EMAIL_VERIFICATION');
    return response;
  }

  /**
   * Signs in. Failed guesses slow down the guesser's address, for this account and across
   * accounts, never the owner elsewhere (AuthThrottle); once an account has had too many failures
   * from all addresses, only addresses it signed in from before may try until the owner follows
   * the mailed unlock link.
   */
  async login(dto: LoginDto): Promise<AuthTokensResponseDto> {
    const ip = this.clientIp();
    await this.throttle.beginSignIn(dto.email, ip);
    // RLS: the email scope sees that one user; its hash comes from app_password_hash(). No
    // transaction stays open during the (slow) bcrypt comparison.
    const { user, passwordHash } = await this.db.run({ email: dto.email }, async () => {
      const found = await this.repository.findUserByEmail(dto.email);
      return { user: found, passwordHash: found && (await this.repository.passwordHashInScope()) };
    });
    if ((await this.throttle.accountLocked(dto.email)) && !(user && (await this.signedInFrom(user.id, ip))))
      throw await this.throttle.accountLockedError(dto.email);
    const valid = await compare(dto.password, passwordHash ?? TIMING_DUMMY_HASH);
    if (!user || !valid || !passwordHash) {
      if (await this.throttle.signInFailed(dto.email)) this.mailLinkLater(dto.email, 'ACCOUNT_UNLOCK');
      throw new AppException('UNAUTHENTICATED', 'Email or password is incorrect');
    }
    await this.throttle.signedIn(dto.email, ip);
    if (user.suspendedAt) throw new AppException('UNAUTHENTICATED', 'This account is suspended');
    return this.db.run({ userId: user.id }, () => this.signedInSession(user));
  }

  /**
   * Starts a session for a user another way of signing in has proven (an identity provider, see
   * src/modules/accounts), audited like a password sign-in with the method; 401 when the account
   * is suspended or deleted.
   */
  async signInWith(userId: string, method: string): Promise<AuthTokensResponseDto> {
    return this.db.run({ userId }, async () => {
      const user = await this.repository.findUserById(userId);
      if (!user || user.deletedAt) throw new AppException('UNAUTHENTICATED', 'This account no longer exists');
      if (user.suspendedAt) throw new AppException('UNAUTHENTICATED', 'This account is suspended');
      return this.signedInSession(user, { method });
    });
  }

  /** A new session for a user who just proved who they are, audited as `auth.login`; in the user's scope. */
  private async signedInSession(user: PublicUser, after?: { method: string }): Promise<AuthTokensResponseDto> {
    const result = await this.startSession(user);
    await this.audit.recordForUser(user.id, {
      actor: { type: 'USER', id: user.id },
      action: 'auth.login',
      resourceType: 'session',
      resourceId: result.sessionId,
      ...(after ? { after } : {}),
    });
    return result.response;
  }

  /**
   * Exchanges a refresh token for a new pair. Presented again within REFRESH_REUSE_GRACE_SECONDS
   * of that (two tabs at once, a lost response), it gets the same new pair; later, it counts as
   * stolen and revokes its whole session.
   */
  async refresh(refreshToken: string): Promise<AuthTokensResponseDto> {
    const now = new Date();
    const tokenHash = sha256(refreshToken);
    const graceMs = this.config.REFRESH_REUSE_GRACE_SECONDS * 1000;
    // RLS: the token-hash scope sees this token and its session; then widen to the session's user.
    const outcome = await this.db.run({ tokenHash }, async () => {
      const token = await this.repository.findRefreshTokenForUpdate(tokenHash);
      if (!token) return 'invalid' as const;
      const { session } = token;
      return this.db.run({ userId: session.userId }, async () => {
        const retry = token.usedAt && graceMs > 0 && now.getTime() - token.usedAt.getTime() <= graceMs;
        if (token.usedAt && !retry) {
          await this.repository.revokeSession(session.userId, session.id, now);
          return 'reused' as const;
        }
        if (session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) return 'invalid' as const;
        const user = await this.repository.findUserById(session.userId);
        if (!user || user.suspendedAt || user.deletedAt) return 'invalid' as const;
        const successor = this.tokens.successorRefreshToken(refreshToken);
        // The row lock makes this the only request to see the token unused; the ones queued
        // behind it find it used just now and get the successor again.
        if (!token.usedAt) {
          await this.repository.markRefreshTokenUsed(token.id, now);
          await this.storeRefreshToken(session, successor);
        }
        await this.repository.touchSession(session.id, now);
        return this.tokenPair(user, session, successor);
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
    const user = await this.consumeLink('EMAIL_VERIFICATION', token, (owner, now) =>
      owner.emailVerifiedAt ? Promise.resolve(owner) : this.repository.markEmailVerified(owner.id, now),
    );
    return toUserResponse(user);
  }

  /** Sends the caller a new verification link, unless the email is already verified. */
  async resendVerification(): Promise<void> {
    const principal = this.context.requireUser();
    const user = await this.repository.findUserById(principal.userId);
    if (!user || user.emailVerifiedAt) return;
    await this.mailLink(user.id, user.email, 'EMAIL_VERIFICATION');
  }

  /**
   * Mails a reset link when the account exists. The answer is the same either way and takes the
   * same time: the lookup happens after it.
   */
  forgotPassword(email: string): void {
    this.mailLinkLater(email, 'PASSWORD_RESET');
  }

  /** Sets a new password from a reset link and ends every session of the user. */
  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await this.hashPassword(password);
    const email = await this.consumeLink('PASSWORD_RESET', token, async (owner, now) => {
      await this.repository.updatePasswordHash(owner.id, passwordHash);
      await this.repository.consumeAllVerificationTokens(owner.id, 'PASSWORD_RESET', now);
      await this.repository.revokeAllSessions(owner.id, now);
      await this.auditUserEvent(owner.id, 'user.password_reset');
      return owner.email;
    });
    // The owner of the mailbox proved themselves: lift a lock of the account.
    await this.throttle.unlockAccount(email);
  }

  /** Lifts the account-wide sign-in limit with the token from the mailed unlock link. */
  async unlockAccount(token: string): Promise<void> {
    const email = await this.consumeLink('ACCOUNT_UNLOCK', token, async (owner) => {
      await this.auditUserEvent(owner.id, 'user.account_unlocked');
      return owner.email;
    });
    await this.throttle.unlockAccount(email);
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
   * deleting the account): 403 when it is wrong. Guesses are slowed down like failed sign-ins
   * (per user, apart from sign-in), so a stolen access token cannot brute-force it. An account without a password cannot confirm this way.
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
    await this.throttle.beginConfirmation(user.id);
    if (!(await compare(password, currentHash))) throw AppException.forbidden(wrong);
    await this.throttle.confirmed(user.id);
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

  /** Mails the user a one-time link of that purpose (its token stored as a hash), within the address's mail budget. */
  private async mailLink(userId: string, email: string, purpose: VerificationPurpose): Promise<void> {
    // Past the address's share this hour no mail goes out; the answer stays the same.
    if (!(await this.throttle.mailAllowed(email))) return;
    const token = randomToken();
    await this.db.run({ userId }, () =>
      this.repository.createVerificationToken({
        userId,
        purpose,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + LINK_TTL_MS[purpose]),
      }),
    );
    this.mail.send({ to: email, ...linkMail(purpose, (path) => this.mail.link(path, { token })) });
  }

  /** mailLink to the account with this email, if one can use it, looked up after the answer (DeferredWork). */
  private mailLinkLater(email: string, purpose: VerificationPurpose): void {
    this.deferred.start(`${purpose} mail`, async () => {
      // RLS: the email scope sees that one user, if any.
      const user = await this.db.run({ email }, () => this.repository.findUserByEmail(email));
      if (!user || user.suspendedAt || user.deletedAt) return;
      await this.mailLink(user.id, user.email, purpose);
    });
  }

  /**
   * Spends a mailed link's token, then runs `work` for its user in their scope; 400 when the
   * token is unknown, expired or spent. RLS: the token-hash scope sees only this token.
   */
  private consumeLink<T>(
    purpose: VerificationPurpose,
    token: string,
    work: (owner: PublicUser, now: Date) => Promise<T>,
  ): Promise<T> {
    const now = new Date();
    const tokenHash = sha256(token);
    return this.db.run({ tokenHash }, async () => {
      const record = await this.repository.findUsableVerificationToken(purpose, tokenHash, now);
      if (!record || !(await this.repository.consumeVerificationToken(record.id, now))) throw invalidToken();
      return this.db.run({ userId: record.userId }, async () => {
        const owner = await this.repository.findUserById(record.userId);
        if (!owner) throw invalidToken();
        return work(owner, now);
      });
    });
  }

  /** Whether the user ever signed in from this address (their sessions keep it). */
  private signedInFrom(userId: string, ip: string): Promise<boolean> {
    return this.db.run({ userId }, () => this.repository.hasSignedInFrom(userId, ip));
  }

  private clientIp(): string {
    return this.context.requestMeta.ip ?? 'unknown';
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
    const refreshToken = randomToken();
    await this.storeRefreshToken(session, refreshToken);
    return { response: await this.tokenPair(user, session, refreshToken), sessionId: session.id };
  }

  /** Runs in the session user's scope; the token is written (as its hash) in its own token-hash scope (RLS). */
  private async storeRefreshToken(session: SessionRow, refreshToken: string): Promise<void> {
    const tokenHash = sha256(refreshToken);
    await this.db.run({ tokenHash }, () => this.repository.addRefreshToken(session.id, tokenHash, session.expiresAt));
  }

  /** A stored refresh token with a new access token of its session. */
  private async tokenPair(user: PublicUser, session: SessionRow, refreshToken: string): Promise<AuthTokensResponseDto> {
    const accessToken = await this.tokens.signAccessToken({ sub: user.id, sid: session.id, email: user.email });
    return { user: toUserResponse(user), accessToken, refreshToken, expiresIn: this.tokens.accessTokenTtlSeconds };
  }
}

function toSessionResponse(session: SessionRow, currentSessionId: string): SessionResponseDto {
  const { id, ip, userAgent, createdAt, lastUsedAt, expiresAt } = session;
  return { id, ip, userAgent, createdAt, lastUsedAt, expiresAt, current: id === currentSessionId };
}

/** The mail carrying a one-time link; `link(path)` is the frontend URL with the token. */
function linkMail(purpose: VerificationPurpose, link: (path: string) => string): { subject: string; text: string } {
  switch (purpose) {
    case 'EMAIL_VERIFICATION':
      return {
        subject: 'Confirm your email address',
        text:
          `Welcome to Orgbase.\n\n` +
          `Confirm your email address: ${link('/verify-email')}\n\n` +
          `The link works for 24 hours.`,
      };
    case 'PASSWORD_RESET':
      return {
        subject: 'Reset your Orgbase password',
        text:
          `Someone asked to reset the password of your Orgbase account.\n\n` +
          `Choose a new password: ${link('/reset-password')}\n\n` +
          `The link works once, for one hour. If it was not you, ignore this email.`,
      };
    case 'ACCOUNT_UNLOCK':
      return {
        subject: 'Unlock sign-in to your Orgbase account',
        text:
          `There have been many failed attempts to sign in to your Orgbase account, from several addresses. ` +
          `To protect it, sign-in now works only from addresses you have signed in from before.\n\n` +
          `To sign in from somewhere new, unlock your account: ${link('/unlock-account')}\n\n` +
          `The link works once, for one hour. If the attempts were not yours, your password held; ` +
          `a longer one makes guessing harder still.`,
      };
  }
}

function invalidToken(): AppException {
  return new AppException('VALIDATION_FAILED', 'The link is invalid, expired or already used', [
    { field: 'token', messages: ['token is invalid, expired or already used'] },
  ]);
}
