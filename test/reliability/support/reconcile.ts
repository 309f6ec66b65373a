import { Client } from 'pg';
import type { WriteAction, WriteOutcome } from './load';

/** SQL as the database owner (behind row-level security), e.g. TestApp.asOwner or a pg Client. */
export type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** A Query on its own connection each time (a fault test may kill any session it finds open). */
export function pgQuery(url: string): Query {
  return async (sql, params) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
}

export interface Reconciliation {
  /** Each broken guarantee, with the write that shows it. */
  violations: string[];
  /** 2xx writes, each matched to exactly one audit entry of its action. */
  reconciled: number;
  /** Failed writes that left nothing. */
  failed: number;
  /**
   * Writes answered 503 (or not at all) that committed whole: the database lost the connection
   * after COMMIT, before its acknowledgement. Not partial, but the client was told it failed.
   */
  inDoubt: number;
  auditEntries: number;
  /** Per action: successful writes = audit entries. */
  perAction: string;
  rows: string;
}

const ok = (w: WriteOutcome) => w.status >= 200 && w.status < 300;
const describe = (w: WriteOutcome) =>
  `${w.action} request ${w.requestId} → ${w.status || w.error}${w.code ? ` ${w.code}` : ''}${w.resourceId ? ` (${w.resourceId})` : ''}`;

/** Which rows a kind of resource made by the load has, and which state says "deleted". */
const TABLES = {
  variable: { sql: `SELECT id, false AS gone FROM variables WHERE "orgId" = $1 AND key LIKE 'load\\_%'` },
  api_key: {
    sql: `SELECT id, "revokedAt" IS NOT NULL AS gone FROM service_api_keys WHERE "orgId" = $1 AND name LIKE 'load %'`,
  },
  invitation: {
    sql: `SELECT id, status = 'REVOKED' AS gone FROM invitations WHERE "orgId" = $1 AND email LIKE 'load-%'`,
  },
} as const;
type Resource = keyof typeof TABLES;
const CREATE: Record<Resource, WriteAction> = {
  variable: 'variable.created',
  api_key: 'api_key.created',
  invitation: 'invitation.created',
};
const REMOVE: Record<Resource, WriteAction> = {
  variable: 'variable.deleted',
  api_key: 'api_key.revoked',
  invitation: 'invitation.revoked',
};

/**
 * After the load: every 2xx write has exactly one audit entry of its action (found by request id),
 * every failed write has none (or, if it lost its answer after COMMIT, exactly its own: in doubt);
 * the rows present are those created minus those deleted; a failed create left no row.
 */
export async function reconcile(query: Query, orgId: string, writes: WriteOutcome[]): Promise<Reconciliation> {
  const violations: string[] = [];
  const audit = await query(
    `SELECT "requestId", action, "resourceId" FROM audit_logs WHERE "orgId" = $1 AND "requestId" = ANY($2::text[])`,
    [orgId, writes.map((w) => w.requestId)],
  );
  const byRequest = new Map<string, Record<string, unknown>[]>();
  for (const row of audit) byRequest.set(String(row.requestId), [...(byRequest.get(String(row.requestId)) ?? []), row]);

  // A write that lost its answer after COMMIT counts as done, with the row its audit entry names.
  const inDoubt = writes.filter((w) => {
    const entries = byRequest.get(w.requestId) ?? [];
    return (w.status === 503 || w.status === 0) && entries.length === 1 && entries[0]!.action === w.action;
  });
  for (const write of inDoubt) write.resourceId ??= String(byRequest.get(write.requestId)![0]!.resourceId);
  const done = (w: WriteOutcome) => ok(w) || inDoubt.includes(w);

  for (const write of writes) {
    const entries = byRequest.get(write.requestId) ?? [];
    if (!ok(write)) {
      if (entries.length && !inDoubt.includes(write)) {
        violations.push(`failed write left ${entries.length} audit entries: ${describe(write)}`);
      }
      continue;
    }
    const matching = entries.filter(
      (e) => e.action === write.action && (!write.resourceId || e.resourceId === write.resourceId),
    );
    if (matching.length !== 1 || entries.length !== 1) {
      violations.push(
        `2xx write with ${entries.length} audit entries (${matching.length} matching): ${describe(write)}`,
      );
    }
  }

  const rows: string[] = [];
  for (const resource of Object.keys(TABLES) as Resource[]) {
    const present = new Map((await query(TABLES[resource].sql, [orgId])).map((r) => [String(r.id), Boolean(r.gone)]));
    const created = writes.filter((w) => w.action === CREATE[resource] && done(w));
    const removed = new Set(writes.filter((w) => w.action === REMOVE[resource] && done(w)).map((w) => w.resourceId));
    const createdIds = new Set(created.map((w) => w.resourceId));
    for (const write of created) {
      const gone = present.get(write.resourceId!);
      if (gone === undefined && resource !== 'variable') violations.push(`accepted create lost: ${describe(write)}`);
      if (resource === 'variable' && (gone === undefined) !== removed.has(write.resourceId)) {
        violations.push(
          `variable ${removed.has(write.resourceId) ? 'deleted but present' : 'created but missing'}: ${describe(write)}`,
        );
      }
      if (resource !== 'variable' && gone !== undefined && gone !== removed.has(write.resourceId)) {
        violations.push(`${resource} ${gone ? 'removed without a 2xx' : 'removed but still live'}: ${describe(write)}`);
      }
    }
    const strays = [...present.keys()].filter((id) => !createdIds.has(id));
    if (strays.length) violations.push(`${strays.length} ${resource} rows from failed creates, e.g. ${strays[0]}`);
    const live = [...present.values()].filter((gone) => !gone).length;
    rows.push(`${resource}s ${live} live = ${created.length} created − ${removed.size} removed`);
    if (live !== created.length - removed.size) {
      violations.push(`${resource}: ${live} live rows, expected ${created.length} created − ${removed.size} removed`);
    }
  }

  const actions = [...new Set(writes.map((w) => w.action))].sort();
  const perAction = actions
    .map((action) => {
      const count = writes.filter((w) => w.action === action && done(w)).length;
      const entries = audit.filter((e) => e.action === action).length;
      return `${action} ${count}${count === entries ? '' : `≠${entries} audit`}`;
    })
    .join(', ');
  return {
    violations,
    reconciled: writes.filter(ok).length - violations.filter((v) => v.startsWith('2xx')).length,
    failed: writes.filter((w) => !done(w)).length,
    inDoubt: inDoubt.length,
    auditEntries: audit.length,
    perAction,
    rows: rows.join('; '),
  };
}

/** "212 ok + 40 failed left nothing + 1 in doubt (committed, answered 503)", for the figures line. */
export function reconciled(result: Reconciliation): string {
  const doubt = result.inDoubt ? ` + ${result.inDoubt} in doubt (committed whole, answered 503)` : '';
  return `${result.reconciled} ok + ${result.failed} failed left nothing${doubt}`;
}
