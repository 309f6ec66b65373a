import { Injectable } from '@nestjs/common';
import { type Cursor, type CursorShape, keyset } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Prisma } from '../../generated/prisma/client';
import { AuditedWrites } from '../audit/audited-writes';
import { taggedNameFilter } from '../scenarios/scenarios.repository';

const WITH_ITEMS = {
  items: {
    orderBy: { orderIndex: 'asc' },
    select: { scenarioId: true, scenario: { select: { name: true, status: true } } },
  },
} as const satisfies Prisma.ScenarioSuiteInclude;
const WITH_COUNT = { _count: { select: { items: true } } } as const satisfies Prisma.ScenarioSuiteInclude;

/** A suite with its scenarios in order (ids, names, statuses). */
export type SuiteRow = Prisma.ScenarioSuiteGetPayload<{ include: typeof WITH_ITEMS }>;
/** A suite in a list: its item count only. */
export type SuiteListRow = Prisma.ScenarioSuiteGetPayload<{ include: typeof WITH_COUNT }>;

export interface SuiteData {
  name: string;
  description?: string | null;
  tags?: string[];
}

/** Lists go newest change first: keyset pagination on the (orgId, updatedAt, id) index. */
export const SUITE_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. Writes go
 * through AuditedWrites. Suites have no revision column, so their writes take no If-Match.
 */
@Injectable()
export class ScenarioSuitesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: SuiteData, userId: string | null): Promise<SuiteRow> {
    return this.audited.create('scenario_suite', () =>
      this.db.client.scenarioSuite.create({ data: { ...data, orgId, createdByUserId: userId }, include: WITH_ITEMS }),
    );
  }

  list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof SUITE_ORDER>; tag?: string; search?: string },
  ): Promise<SuiteListRow[]> {
    const page = keyset(SUITE_ORDER, 'desc', options.after);
    return this.db.client.scenarioSuite.findMany({
      where: {
        orgId,
        ...taggedNameFilter(options),
        AND: page.where,
      },
      orderBy: page.orderBy,
      take: options.take,
      include: WITH_COUNT,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.scenarioSuite.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<SuiteRow | null> {
    return this.db.client.scenarioSuite.findFirst({ where: { orgId, id }, include: WITH_ITEMS });
  }

  update(orgId: string, id: string, data: Partial<SuiteData>): Promise<SuiteRow | null> {
    return this.audited.update(
      'scenario_suite',
      () => this.lock(orgId, id),
      () => this.db.client.scenarioSuite.update({ where: { id, orgId }, data, include: WITH_ITEMS }),
    );
  }

  delete(orgId: string, id: string): Promise<SuiteRow | null> {
    return this.audited.delete(
      'scenario_suite',
      () => this.lock(orgId, id),
      () => this.db.client.scenarioSuite.delete({ where: { id, orgId } }),
    );
  }

  /**
   * The ids among `ids` that are scenarios of the org, share-locked until the transaction ends so
   * none is deleted before the items referencing it are written.
   */
  async lockScenarios(orgId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.client.$queryRaw<{ id: string }[]>`SELECT id FROM scenarios
      WHERE "orgId" = ${orgId}::uuid AND id = ANY(${ids}::uuid[]) FOR KEY SHARE`;
    return new Set(rows.map((row) => row.id));
  }

  /** Replaces the suite's items with `scenarioIds` in that order (audited as one change of the suite). */
  replaceItems(orgId: string, id: string, scenarioIds: string[]): Promise<SuiteRow | null> {
    return this.audited.update(
      'scenario_suite',
      () => this.lock(orgId, id),
      async () => {
        await this.db.client.scenarioSuiteItem.deleteMany({ where: { orgId, suiteId: id } });
        await this.db.client.scenarioSuiteItem.createMany({
          data: scenarioIds.map((scenarioId, orderIndex) => ({ orgId, suiteId: id, scenarioId, orderIndex })),
        });
        // The list is part of the suite: replacing it is a change of the suite.
        return this.db.client.scenarioSuite.update({
          where: { id, orgId },
          data: { updatedAt: new Date() },
          include: WITH_ITEMS,
        });
      },
      { action: 'scenario_suite.items_replaced' },
    );
  }

  /** The row, locked until the transaction ends, so concurrent writes to one suite queue up. */
  private async lock(orgId: string, id: string): Promise<SuiteRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM scenario_suites WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
