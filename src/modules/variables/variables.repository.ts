import { Injectable } from '@nestjs/common';
import { DbContext } from '../../database/db-context';
import type { Variable } from '../../generated/prisma/client';

export interface VariableData {
  key: string;
  value: string;
  description?: string | null;
}

/** Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. */
@Injectable()
export class VariablesRepository {
  constructor(private readonly db: DbContext) {}

  create(orgId: string, data: VariableData, createdByUserId: string | null): Promise<Variable> {
    return this.db.client.variable.create({ data: { ...data, orgId, createdByUserId } });
  }

  /** Ordered by key; keyset pagination on the (orgId, key) unique index. */
  list(orgId: string, options: { limit: number; afterKey?: string; search?: string }): Promise<Variable[]> {
    return this.db.client.variable.findMany({
      where: {
        orgId,
        key: { gt: options.afterKey, contains: options.search, mode: options.search ? 'insensitive' : undefined },
      },
      orderBy: { key: 'asc' },
      take: options.limit,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.variable.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<Variable | null> {
    return this.db.client.variable.findFirst({ where: { orgId, id } });
  }

  update(orgId: string, id: string, data: Partial<VariableData>): Promise<Variable> {
    return this.db.client.variable.update({ where: { id, orgId }, data });
  }

  delete(orgId: string, id: string): Promise<Variable> {
    return this.db.client.variable.delete({ where: { id, orgId } });
  }
}
