import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { AppConfig } from '../../config/app-config';
import { LimitStore, type DelayRule, type WindowRule } from './limit-store';

const HOUR_MS = 3600 * 1000;
/** Reset and verification mails: at most 3 per address per hour, so nobody can flood an inbox. */
const MAILS: WindowRule = { name: 'mails', max: 3, windowMs: HOUR_MS };

/**
 * Guess limits on the public auth routes. They slow the guesser, not the account's owner:
 * - one account from one address: LOGIN_MAX_FAILURES free failures, then a wait of
 *   LOGIN_BACKOFF_SECONDS that doubles with each further failure (up to LOGIN_WINDOW_SECONDS);
 * - one address across accounts (spraying): the same after LOGIN_IP_MAX_FAILURES;
 * - one account from all addresses (many machines): after LOGIN_ACCOUNT_MAX_FAILURES within
 *   LOGIN_WINDOW_SECONDS the owner is mailed an unlock link, and only addresses the account has
 *   signed in from before get to try a password until then (AuthService decides that);
 * - registrations answering 409 from one address: REGISTER_MAX_DUPLICATES_PER_IP an hour, so
 *   register cannot sweep a list of emails for accounts.
 * - mails (reset, verification, unlock) to one email address: 3 an hour.
 * Each refusal is 429 RATE_LIMITED with Retry-After. The counts are in LimitStore: this process's,
 * or Redis's with REDIS_URL, so that every worker and instance enforces the same limits.
 */
@Injectable()
export class AuthThrottle {
  private readonly pairs: DelayRule;
  private readonly addresses: DelayRule;
  private readonly accounts: WindowRule;
  private readonly duplicates: WindowRule;

  constructor(
    config: AppConfig,
    private readonly store: LimitStore,
  ) {
    const maxMs = config.LOGIN_WINDOW_SECONDS * 1000;
    const baseMs = config.LOGIN_BACKOFF_SECONDS * 1000;
    this.pairs = { name: 'pairs', free: config.LOGIN_MAX_FAILURES, baseMs, maxMs };
    this.addresses = { name: 'addresses', free: config.LOGIN_IP_MAX_FAILURES, baseMs, maxMs };
    this.accounts = { name: 'accounts', max: config.LOGIN_ACCOUNT_MAX_FAILURES, windowMs: maxMs };
    this.duplicates = { name: 'duplicates', max: config.REGISTER_MAX_DUPLICATES_PER_IP, windowMs: HOUR_MS };
  }

  /**
   * Before a sign-in's password is checked: 429 while this account from this address, or this
   * address, must wait. Otherwise the attempt counts as a failure of both at once, in the same
   * atomic step as the check, so parallel guesses cannot slip past; signedIn() takes it back.
   */
  async beginSignIn(email: string, ip: string): Promise<void> {
    const wait = await this.store.attemptDelays([
      { rule: this.pairs, key: pairKey(email, ip) },
      { rule: this.addresses, key: ip },
    ]);
    if (wait > 0) throw AppException.rateLimited('Too many failed sign-in attempts; try again later', wait);
  }

  /** Whether the account's failures from all addresses have reached LOGIN_ACCOUNT_MAX_FAILURES. */
  async accountLocked(email: string): Promise<boolean> {
    return (await this.store.windowWaitMs(this.accounts, email)) > 0;
  }

  /**
   * Counts a wrong password against the account (after the check: the account-wide limit is high
   * and need not be exact under races). True for the one failure that locked it: mail the owner.
   */
  signInFailed(email: string): Promise<boolean> {
    return this.store.recordWindow(this.accounts, email);
  }

  /** The 429 for an address the locked account has not signed in from. */
  async accountLockedError(email: string): Promise<AppException> {
    return AppException.rateLimited(
      'Too many failed sign-in attempts on this account; its owner has been mailed a link to unlock it',
      await this.store.windowWaitMs(this.accounts, email),
    );
  }

  /**
   * The password was right: the pair starts over and the address takes back this attempt. The
   * account's count stays: the owner signing in from home must not reopen it to the attackers.
   */
  async signedIn(email: string, ip: string): Promise<void> {
    await this.store.resetDelay({ rule: this.pairs, key: pairKey(email, ip) });
    await this.store.forgiveDelay({ rule: this.addresses, key: ip });
  }

  /** The owner proved themselves by mail (unlock link, password reset): the account-wide count starts over. */
  unlockAccount(email: string): Promise<void> {
    return this.store.resetWindow(this.accounts, email);
  }

  /**
   * A signed-in user's password confirmation (change-password, account deletion): guesses with a
   * stolen access token wait like a pair, counted per user; they do not touch sign-in.
   */
  async beginConfirmation(userId: string): Promise<void> {
    const wait = await this.store.attemptDelays([{ rule: this.pairs, key: confirmKey(userId) }]);
    if (wait > 0) throw AppException.rateLimited('Too many wrong passwords; try again later', wait);
  }

  confirmed(userId: string): Promise<void> {
    return this.store.resetDelay({ rule: this.pairs, key: confirmKey(userId) });
  }

  /** Before a registration: 429 once the address has had its 409s for the hour; counts this one until registered(). */
  async beginRegistration(ip: string): Promise<void> {
    const wait = await this.store.attemptWindow(this.duplicates, ip);
    if (wait > 0)
      throw AppException.rateLimited('Too many registration attempts from this address; try again later', wait);
  }

  /** The account was created: only registrations that found the email taken count. */
  registered(ip: string): Promise<void> {
    return this.store.forgiveWindow(this.duplicates, ip);
  }

  /** Counts a mail to `email`; false once the address has had its share this hour. */
  async mailAllowed(email: string): Promise<boolean> {
    return (await this.store.attemptWindow(MAILS, email)) === 0;
  }
}

// Emails hold no spaces (validated), so neither key can collide with the other kind.
const pairKey = (email: string, ip: string) => `${email} ${ip}`;
const confirmKey = (userId: string) => `confirm ${userId}`;
