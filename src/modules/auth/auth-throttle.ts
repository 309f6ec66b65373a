import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { AppConfig } from '../../config/app-config';
import { ProgressiveDelay } from './progressive-delay';
import { SlidingWindowLimit } from './sliding-window-limit';

const HOUR_MS = 3600 * 1000;

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
 * Each refusal is 429 RATE_LIMITED with Retry-After. Counts are in-process (see SlidingWindowLimit).
 */
@Injectable()
export class AuthThrottle {
  private readonly pairs: ProgressiveDelay;
  private readonly addresses: ProgressiveDelay;
  private readonly accounts: SlidingWindowLimit;
  private readonly duplicates: SlidingWindowLimit;

  constructor(config: AppConfig) {
    const windowMs = config.LOGIN_WINDOW_SECONDS * 1000;
    const baseMs = config.LOGIN_BACKOFF_SECONDS * 1000;
    this.pairs = new ProgressiveDelay(config.LOGIN_MAX_FAILURES, baseMs, windowMs);
    this.addresses = new ProgressiveDelay(config.LOGIN_IP_MAX_FAILURES, baseMs, windowMs);
    this.accounts = new SlidingWindowLimit(config.LOGIN_ACCOUNT_MAX_FAILURES, windowMs);
    this.duplicates = new SlidingWindowLimit(config.REGISTER_MAX_DUPLICATES_PER_IP, HOUR_MS);
  }

  /**
   * Before a sign-in's password is checked: 429 while this account from this address, or this
   * address, must wait. Otherwise the attempt counts as a failure of both at once, in the same tick
   * as the check, so parallel guesses cannot slip past; signedIn() takes it back.
   */
  beginSignIn(email: string, ip: string): void {
    const pair = pairKey(email, ip);
    const wait = Math.max(this.pairs.waitMs(pair), this.addresses.waitMs(ip));
    if (wait > 0) throw AppException.rateLimited('Too many failed sign-in attempts; try again later', wait);
    this.pairs.record(pair);
    this.addresses.record(ip);
  }

  /** Whether the account's failures from all addresses have reached LOGIN_ACCOUNT_MAX_FAILURES. */
  accountLocked(email: string): boolean {
    return this.accounts.isExhausted(email);
  }

  /**
   * Counts a wrong password against the account (after the check: the account-wide limit is high
   * and need not be exact under races). True for the one failure that locked it: mail the owner.
   */
  signInFailed(email: string): boolean {
    const wasLocked = this.accounts.isExhausted(email);
    this.accounts.record(email);
    return !wasLocked && this.accounts.isExhausted(email);
  }

  /** The 429 for an address the locked account has not signed in from. */
  accountLockedError(email: string): AppException {
    return AppException.rateLimited(
      'Too many failed sign-in attempts on this account; its owner has been mailed a link to unlock it',
      this.accounts.retryAfterMs(email),
    );
  }

  /**
   * The password was right: the pair starts over and the address takes back this attempt. The
   * account's count stays: the owner signing in from home must not reopen it to the attackers.
   */
  signedIn(email: string, ip: string): void {
    this.pairs.reset(pairKey(email, ip));
    this.addresses.forgive(ip);
  }

  /** The owner proved themselves by mail (unlock link, password reset): the account-wide count starts over. */
  unlockAccount(email: string): void {
    this.accounts.reset(email);
  }

  /**
   * A signed-in user's password confirmation (change-password, account deletion): guesses with a
   * stolen access token wait like a pair, counted per user; they do not touch sign-in.
   */
  beginConfirmation(userId: string): void {
    const wait = this.pairs.waitMs(confirmKey(userId));
    if (wait > 0) throw AppException.rateLimited('Too many wrong passwords; try again later', wait);
    this.pairs.record(confirmKey(userId));
  }

  confirmed(userId: string): void {
    this.pairs.reset(confirmKey(userId));
  }

  /** Before a registration: 429 once the address has had its 409s for the hour; counts this one until registered(). */
  beginRegistration(ip: string): void {
    const wait = this.duplicates.retryAfterMs(ip);
    if (wait > 0)
      throw AppException.rateLimited('Too many registration attempts from this address; try again later', wait);
    this.duplicates.record(ip);
  }

  /** The account was created: only registrations that found the email taken count. */
  registered(ip: string): void {
    this.duplicates.forgive(ip);
  }
}

// Emails hold no spaces (validated), so neither key can collide with the other kind.
const pairKey = (email: string, ip: string) => `${email} ${ip}`;
const confirmKey = (userId: string) => `confirm ${userId}`;
