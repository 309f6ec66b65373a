import { AsyncLocalStorage } from 'node:async_hooks';
import type { PoolClient } from 'pg';

/**
 * Statements to run with the BEGIN of the next transaction started in the current async context.
 * Prisma's PostgreSQL adapter sends BEGIN as a query of its own; the request's RLS settings
 * would follow as another. Sent together in one simple-protocol query they cost one round trip,
 * not two. `sql` is taken by the first BEGIN, so no later transaction reuses it.
 */
interface Prelude {
  sql: string | undefined;
}

const preludes = new AsyncLocalStorage<Prelude>();

/**
 * Runs `start` (which opens one transaction) so that its BEGIN carries `sql`. Resolves to what
 * `start` returns; `sentWithBegin()` then tells whether the statements went with the BEGIN (only
 * on PostgreSQL connections opened by this server's pool), so the caller sends them itself if not.
 */
export function withTransactionPrelude<T>(
  sql: string,
  start: (sentWithBegin: () => boolean) => Promise<T>,
): Promise<T> {
  const prelude: Prelude = { sql };
  return preludes.run(prelude, () => start(() => prelude.sql === undefined));
}

type Query = PoolClient['query'];

/** Lets BEGIN queries sent on this pooled connection carry the pending prelude of their context. */
export function beginTransactionsWithPrelude(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((config: unknown, ...rest: unknown[]) => {
    const prelude = preludes.getStore();
    if (prelude?.sql !== undefined && isBegin(config)) {
      const sql = prelude.sql;
      prelude.sql = undefined;
      // No parameters: node-postgres sends it with the simple protocol, which allows several statements.
      return query({ ...config, text: `BEGIN; ${sql}`, values: [] }, ...rest);
    }
    return query(config, ...rest);
  }) as Query;
}

function isBegin(config: unknown): config is { text: string; values?: unknown[] } {
  if (typeof config !== 'object' || config === null) return false;
  const { text, values } = config as { text?: unknown; values?: unknown[] };
  return text === 'BEGIN' && (values === undefined || values.length === 0);
}
