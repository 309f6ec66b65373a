import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Variable } from '../../generated/prisma/client';
import { AuditedWrites } from '../audit/audited-writes';

/** A variable as stored; what the repository hands to the service. */
export type VariableRow = Variable;

export interface VariableData {
  key: string;
  value: string;
  description?: string | null;
}

/** Lists go by key, id breaking ties: keyset pagination on the (orgId, key) index. */
export const VARIABLE_ORDER = { key: 'string', id: 'uuid' } as const satisfies CursorShape;

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. Writes go
 * through AuditedWrites, which logs them with their exact before and after.
 */
@Injectable()
export class VariablesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: VariableData, createdByUserId: string | null): Promise<VariableRow> {
    return this.audited.create('variable', () =>
      this.db.client.variable.create({ data: { ...data, orgId, createdByUserId } }),
    );
  }

  list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof VARIABLE_ORDER>; search?: string },
  ): Promise<VariableRow[]> {
    const page = keyset(VARIABLE_ORDER, 'asc', options.after);
    const search = options.search;
    return this.db.client.variable.findMany({
      where: { orgId, key: search ? { contains: search, mode: 'insensitive' } : undefined, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.variable.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<VariableRow | null> {
    return this.db.client.variable.findFirst({ where: { orgId, id } });
  }

  /** Null when there is no such variable; 412 VERSION_CONFLICT when `expected` is not its version. */
  update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    data: Partial<VariableData>,
  ): Promise<VariableRow | null> {
    return this.audited.update(
      'variable',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.variable.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: { ...data, version: { increment: 1 } },
        }),
    );
  }

  /** As update: null when there is none, 412 on a stale `expected`. */
  delete(orgId: string, id: string, expected: ExpectedVersion): Promise<VariableRow | null> {
    return this.audited.delete(
      'variable',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.variable.delete({ where: { id, orgId, version: matchVersion(before.version, expected) } }),
    );
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<VariableRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM variables WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
