import type { SqlSession } from '../../database/migrator';
import { KeyRing } from './key-ring';
import { columnAad, SECRET_COLUMNS, secretColumnName, type SecretColumn } from './secret-columns';

export const DEFAULT_ROTATION_BATCH_SIZE = 500;

/** What rotation did to one column. */
export interface ColumnRotation {
  /** `table.column` */
  column: string;
  /** Non-null values looked at. */
  scanned: number;
  /** Re-encrypted under the newest key by this run. */
  rotated: number;
  /** Already under the newest key, left as they were. */
  current: number;
  /** Values that could not be decrypted (unknown key id, altered, malformed): left as they were. */
  failed: { id: string; reason: string }[];
}

export interface RotationOptions {
  /** Rows per transaction. */
  batchSize?: number;
  /** Defaults to SECRET_COLUMNS. */
  columns?: readonly SecretColumn[];
  /** Called after each column. */
  onColumn?: (result: ColumnRotation) => void;
}

interface SecretRow {
  id: string;
  owner: string | null;
  value: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Re-encrypts every stored secret under the key ring's newest key: column by column, in batches
 * of `batchSize` rows per transaction, walking each table by primary key (keyset, so a batch
 * costs the same at any depth). Values already under the newest key are left alone, so a second
 * run changes nothing. Values that do not decrypt are reported and left as they were; rotation
 * goes on with the rest.
 *
 * The session must be the database owner (or a superuser): the app role sees only its own
 * tenant's rows. Each batch turns `row_security` off, so a role still bound by the forced
 * policies gets an error instead of silently seeing no rows.
 */
export async function rotateSecrets(
  session: SqlSession,
  keyRing: KeyRing,
  options: RotationOptions = {},
): Promise<ColumnRotation[]> {
  const batchSize = options.batchSize ?? DEFAULT_ROTATION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a positive integer');
  const results: ColumnRotation[] = [];
  for (const column of options.columns ?? SECRET_COLUMNS) {
    const result = await rotateColumn(session, keyRing, column, batchSize);
    options.onColumn?.(result);
    results.push(result);
  }
  return results;
}

async function rotateColumn(
  session: SqlSession,
  keyRing: KeyRing,
  column: SecretColumn,
  batchSize: number,
): Promise<ColumnRotation> {
  for (const name of [column.table, column.column, column.ownerColumn]) {
    if (!IDENTIFIER.test(name)) throw new Error(`Not an SQL identifier: ${name}`);
  }
  const table = `"${column.table}"`;
  const value = `"${column.column}"`;
  const select = (after: boolean) =>
    `SELECT id::text AS id, "${column.ownerColumn}"::text AS owner, ${value} AS value FROM ${table}
     WHERE ${value} IS NOT NULL ${after ? 'AND id > $2::uuid' : ''}
     ORDER BY id LIMIT $1 FOR UPDATE`;
  const update = `UPDATE ${table} AS t SET ${value} = u.value
     FROM unnest($1::uuid[], $2::text[]) AS u(id, value) WHERE t.id = u.id`;

  const result: ColumnRotation = { column: secretColumnName(column), scanned: 0, rotated: 0, current: 0, failed: [] };
  let lastId: string | undefined;
  for (;;) {
    const rows = await inTransaction(session, async () => {
      const { rows } = await session.query<SecretRow>(
        select(lastId !== undefined),
        lastId === undefined ? [batchSize] : [batchSize, lastId],
      );
      const ids: string[] = [];
      const values: string[] = [];
      for (const row of rows) {
        try {
          if (!keyRing.needsRotation(row.value)) {
            result.current++;
            continue;
          }
          if (row.owner === null) throw new Error(`${column.ownerColumn} is null`);
          const aad = columnAad(column, row.owner);
          const rotated = keyRing.encrypt(keyRing.decrypt(row.value, aad), aad);
          ids.push(row.id);
          values.push(rotated);
        } catch (error) {
          result.failed.push({ id: row.id, reason: (error as Error).message });
        }
      }
      if (ids.length) await session.query(update, [ids, values]);
      result.rotated += ids.length;
      return rows;
    });
    result.scanned += rows.length;
    if (rows.length < batchSize) return result;
    lastId = rows[rows.length - 1]!.id;
  }
}

async function inTransaction<T>(session: SqlSession, run: () => Promise<T>): Promise<T> {
  await session.exec('BEGIN');
  try {
    await session.exec('SET LOCAL row_security = off');
    const value = await run();
    await session.exec('COMMIT');
    return value;
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => undefined);
    if (/row-level security/i.test((error as Error).message ?? '')) {
      throw new Error(
        `Secret rotation must run as the database owner with row-level security bypassed (a superuser or a BYPASSRLS role): ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
}
