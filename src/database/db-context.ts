import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from './prisma.service';
import { escapeLiteral } from 'pg';
import { REQUEST_DEADLINE, type RequestDeadline } from './request-deadline';
import { withTransactionPrelude } from './transaction-prelude';

/** The settings row-level security keys on (see the tenant_isolation migration). */
export interface DbScope {
  orgId?: string;
  userId?: string;
  /** SHA-256 of a presented secret: finds its API key or invitation. */
  tokenHash?: string;
  email?: string;
  /**
   * Platform administration's bypass of the identity tables' RLS (app.platform_admin). Set only
   * through asPlatformAdmin(), never in a scope literal.
   */
  platformAdmin?: boolean;
}

export type Db = Prisma.TransactionClient;

const TX = 'db.tx';
const SCOPE = 'db.scope';
const AFTER_COMMIT = 'db.afterCommit';

/**
 * Runs work in one transaction whose RLS settings say which org (and user) it acts for.
 * Repositories read `client`: the transaction of the current scope, or the bare client
 * (which sees no tenant rows) outside any.
 */
@Injectable()
export class DbContext {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cls: ClsService,
  ) {}

  get client(): Db {
    return (this.cls.isActive() && this.cls.get<Db | undefined>(TX)) || this.prisma;
  }

  get inTransaction(): boolean {
    return this.cls.isActive() && this.cls.get(TX) !== undefined;
  }

  /**
   * Runs `work` with the given scope. Outside a transaction it opens one for all of `work`.
   * Inside one it joins it: the settings become the outer scope widened by `scope` for the
   * duration of `work` and are put back when it returns, so a nested run into another org
   * cannot leak that org into the rest of the request. An unchanged scope costs no query.
   */
  async run<T>(scope: DbScope, work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return this.runNested(scope, work);
    const afterCommit: (() => void)[] = [];
    // Within a request the transaction ends by its deadline: it never commits after it.
    const deadline = this.cls.isActive() ? this.cls.get<RequestDeadline | undefined>(REQUEST_DEADLINE) : undefined;
    let committing = false;
    try {
      // The RLS settings travel with the BEGIN (one round trip); where they cannot, they follow it.
      const settings = scopeSql(scope, deadline?.remainingMs());
      const result = await withTransactionPrelude(settings, (sentWithBegin) =>
        this.prisma.$transaction(
          async (tx) => {
            if (!sentWithBegin()) await tx.$executeRawUnsafe(settings);
            const value = await this.cls.run({ ifNested: 'inherit' }, () => {
              this.cls.set(TX, tx);
              this.cls.set(SCOPE, scope);
              this.cls.set(AFTER_COMMIT, afterCommit);
              return deadline ? deadline.race(work) : work();
            });
            deadline?.beginCommit();
            committing = true;
            return value;
          },
          { maxWait: this.prisma.transactionMaxWaitMs, timeout: deadline?.transactionTimeoutMs() ?? 30_000 },
        ),
      );
      for (const effect of afterCommit) effect();
      return result;
    } finally {
      if (committing) deadline?.endCommit();
    }
  }

  private async runNested<T>(scope: DbScope, work: () => Promise<T>): Promise<T> {
    const outer = this.cls.get<DbScope>(SCOPE);
    const inner = { ...outer, ...definedOnly(scope) };
    if (sameScope(outer, inner)) return work();
    const tx = this.cls.get<Db>(TX);
    await applyScope(tx, inner);
    let result: T;
    try {
      // A child CLS context: the wider scope is seen only by `work`, not by siblings or the caller.
      result = await this.cls.run({ ifNested: 'inherit' }, () => {
        this.cls.set(SCOPE, inner);
        return work();
      });
    } catch (error) {
      // After a failed statement the transaction is aborted and only rolls back: keep the first error.
      await applyScope(tx, outer).catch(() => undefined);
      throw error;
    }
    await applyScope(tx, outer);
    return result;
  }

  /**
   * Runs `work` with the platform-admin bypass of the identity tables' RLS (users, sessions,
   * organizations). Only PlatformAdminScope calls this, after RoleGuard checked the platform role;
   * it logs each use. A test keeps every other caller out.
   */
  asPlatformAdmin<T>(work: () => Promise<T>): Promise<T> {
    return this.run({ platformAdmin: true }, work);
  }

  /**
   * Defers a side effect the database cannot undo (sending mail) until the current transaction
   * has committed; it never happens if the transaction rolls back. Outside one it runs now.
   */
  afterCommit(effect: () => void): void {
    if (this.inTransaction) this.cls.get<(() => void)[]>(AFTER_COMMIT).push(effect);
    else effect();
  }
}

function definedOnly(scope: DbScope): DbScope {
  return Object.fromEntries(Object.entries(scope).filter(([, value]) => value !== undefined));
}

const SCOPE_KEYS: (keyof DbScope)[] = ['orgId', 'userId', 'tokenHash', 'email', 'platformAdmin'];

function sameScope(a: DbScope, b: DbScope): boolean {
  return SCOPE_KEYS.every((key) => (a[key] ?? '') === (b[key] ?? ''));
}

/**
 * The RLS settings, and at the start of a request's transaction its statement_timeout (the time
 * left), so that a statement still running at the deadline is cancelled and the rollback is not
 * held up; without a deadline the setting stays as it is. One statement of literals (escaped), so
 * that it can be sent together with BEGIN.
 */
function scopeSql(scope: DbScope, statementTimeoutMs?: number): string {
  const settings: [string, string][] = [
    ['app.org_id', scope.orgId ?? ''],
    ['app.user_id', scope.userId ?? ''],
    ['app.token_hash', scope.tokenHash ?? ''],
    ['app.email', scope.email ?? ''],
    ['app.platform_admin', scope.platformAdmin ? 'on' : ''],
  ];
  if (statementTimeoutMs !== undefined)
    settings.push(['statement_timeout', String(Math.max(1, Math.ceil(statementTimeoutMs)))]);
  return `SELECT ${settings.map(([name, value]) => `set_config('${name}', ${escapeLiteral(value)}, true)`).join(', ')}`;
}

function applyScope(tx: Db, scope: DbScope): Promise<unknown> {
  return tx.$executeRawUnsafe(scopeSql(scope));
}
