import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import type { Prisma } from '../generated/prisma/client';
import { PrismaService } from './prisma.service';

/** The settings row-level security keys on (see the tenant_isolation migration). */
export interface DbScope {
  orgId?: string;
  userId?: string;
  /** SHA-256 of a presented secret: finds its API key or invitation. */
  tokenHash?: string;
  email?: string;
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
   * Runs `work` with the given scope. Inside an existing scope it joins that transaction and
   * widens its settings; otherwise it opens one transaction for all of `work`.
   */
  async run<T>(scope: DbScope, work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) {
      const merged = { ...this.cls.get<DbScope>(SCOPE), ...definedOnly(scope) };
      await applyScope(this.cls.get<Db>(TX), merged);
      this.cls.set(SCOPE, merged);
      return work();
    }
    const afterCommit: (() => void)[] = [];
    const result = await this.prisma.$transaction(
      async (tx) => {
        await applyScope(tx, scope);
        return this.cls.run({ ifNested: 'inherit' }, () => {
          this.cls.set(TX, tx);
          this.cls.set(SCOPE, scope);
          this.cls.set(AFTER_COMMIT, afterCommit);
          return work();
        });
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
    for (const effect of afterCommit) effect();
    return result;
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

function applyScope(tx: Db, scope: DbScope): Promise<unknown> {
  return tx.$executeRaw`SELECT set_config('app.org_id', ${scope.orgId ?? ''}, true),
    set_config('app.user_id', ${scope.userId ?? ''}, true),
    set_config('app.token_hash', ${scope.tokenHash ?? ''}, true),
    set_config('app.email', ${scope.email ?? ''}, true)`;
}
