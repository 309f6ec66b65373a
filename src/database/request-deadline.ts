import { AppException } from '../common/errors/app-exception';

/** Where the current request's deadline lives in the request context (set by RequestTimeoutInterceptor). */
export const REQUEST_DEADLINE = 'request.deadline';

/** Prisma's own cut-off of a transaction comes this long after the deadline, as a backstop only. */
const TRANSACTION_GRACE_MS = 2_000;

export function requestTimedOut(): AppException {
  return new AppException('REQUEST_TIMEOUT', 'The request took too long and was abandoned; nothing was changed');
}

/**
 * When the current request must have been answered. The request's transactions obey it
 * (DbContext.run): their work is raced against it, they commit only before it, and their
 * statements carry it as statement_timeout, so a request answered REQUEST_TIMEOUT never commits.
 * A commit already under way when the deadline passes is let finish: its answer is the real one.
 */
export class RequestDeadline {
  private passed = false;
  private commits = 0;

  constructor(readonly at: number) {}

  static in(ms: number): RequestDeadline {
    return new RequestDeadline(Date.now() + ms);
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now());
  }

  /** For Prisma's transaction `timeout`: the deadline plus a grace, so the race below decides first. */
  transactionTimeoutMs(): number {
    return this.remainingMs() + TRANSACTION_GRACE_MS;
  }

  /**
   * Settles like `work`, unless the deadline passes first (and no commit is under way): then it
   * rejects with 503 REQUEST_TIMEOUT at once, and `work` is left to fail on its closed transaction.
   */
  race<T>(work: () => Promise<T>): Promise<T> {
    if (this.hasPassed()) return Promise.reject(requestTimedOut());
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.commits > 0) return;
        this.passed = true;
        reject(requestTimedOut());
      }, this.remainingMs());
      new Promise<T>((run) => run(work())).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** Called when a transaction's work is done: past the deadline it throws (the transaction rolls back). */
  beginCommit(): void {
    if (this.hasPassed()) throw requestTimedOut();
    this.commits++;
  }

  endCommit(): void {
    this.commits--;
  }

  private hasPassed(): boolean {
    if (Date.now() >= this.at) this.passed = true;
    return this.passed;
  }
}
