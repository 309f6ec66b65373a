import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, TIME_CURSOR, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import { uuidv7 } from '../../database/prisma.service';
import { Prisma } from '../../generated/prisma/client';
import { ScenarioStatus, ScenarioTurnType } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';
import type { ExpectationRule } from '../evaluation/expectations';

const WITH_TURNS = {
  turns: {
    orderBy: { orderIndex: 'asc' },
    include: { expectations: { orderBy: { orderIndex: 'asc' } } },
  },
} as const satisfies Prisma.ScenarioInclude;
const WITH_COUNTS = {
  _count: { select: { turns: true, expectations: true } },
} as const satisfies Prisma.ScenarioInclude;

/** A scenario with its turns and their expectations, in order. */
export type ScenarioRow = Prisma.ScenarioGetPayload<{ include: typeof WITH_TURNS }>;
/** A scenario in a list: counts instead of loaded turns. */
export type ScenarioListRow = Prisma.ScenarioGetPayload<{ include: typeof WITH_COUNTS }>;

/** An expectation as stored is the rule the evaluators take. */
export type ExpectationData = ExpectationRule;
export interface TurnData {
  type: ScenarioTurnType;
  text: string | null;
  expectations: ExpectationData[];
}
/** What a version snapshots: everything but the status (and the row's bookkeeping). */
export interface ScenarioSnapshot {
  name: string;
  description: string | null;
  locale: string;
  tags: string[];
  turns: TurnData[];
}
export interface ScenarioData {
  name: string;
  description?: string | null;
  locale?: string;
  status?: ScenarioStatus;
  tags?: string[];
  turns: TurnData[];
}
export interface ScenarioVersionRow {
  id: string;
  scenarioId: string;
  version: number;
  snapshot: ScenarioSnapshot;
  createdByUserId: string | null;
  createdAt: Date;
}

/** Lists go newest change first: keyset pagination on updatedAt, id. */
export const SCENARIO_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;
/** Versions go newest first (they are made in version order). */
export const SCENARIO_VERSION_ORDER = TIME_CURSOR;

/** The turns of a stored scenario in the shape they are saved in. */
export function turnsOf(row: ScenarioRow): TurnData[] {
  return row.turns.map((turn) => ({
    type: turn.turnType,
    text: turn.userText,
    expectations: turn.expectations.map((e) => ({
      type: e.expectationType,
      values: e.values,
      pattern: e.pattern,
      assertion: e.assertion,
      caseSensitive: e.caseSensitive,
      weight: e.weight,
    })),
  }));
}

/** The filters of a scenario-library list: a tag, and a case-insensitive search in the name. */
export function taggedNameFilter(options: { tag?: string; search?: string }) {
  return {
    tags: options.tag ? { has: options.tag } : undefined,
    name: options.search ? { contains: options.search, mode: 'insensitive' as const } : undefined,
  };
}

export function snapshotOf(row: ScenarioRow): ScenarioSnapshot {
  const { name, description, locale, tags } = row;
  return { name, description, locale, tags, turns: turnsOf(row) };
}

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. Writes go
 * through AuditedWrites; the audit entry shows the scenario with its turns.
 *
 * Versions: after every write that leaves the scenario PUBLISHED, its snapshot (name,
 * description, locale, tags, turns) is compared with the newest version's; when it differs (or
 * there is none yet) version n + 1 is written. So publishing snapshots, each change while
 * published snapshots, and drafts, archiving and no-op saves do not.
 */
@Injectable()
export class ScenariosRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: ScenarioData, userId: string | null): Promise<ScenarioRow> {
    const { turns, ...fields } = data;
    return this.audited.create('scenario', async () => {
      const { id } = await this.db.client.scenario.create({
        data: { ...fields, orgId, createdByUserId: userId },
        select: { id: true },
      });
      await this.writeTurns(orgId, id, turns);
      return this.afterWrite(orgId, id, userId);
    });
  }

  list(
    orgId: string,
    options: {
      take: number;
      after?: Cursor<typeof SCENARIO_ORDER>;
      status?: ScenarioStatus;
      tag?: string;
      search?: string;
    },
  ): Promise<ScenarioListRow[]> {
    const page = keyset(SCENARIO_ORDER, 'desc', options.after);
    return this.db.client.scenario.findMany({
      where: {
        orgId,
        status: options.status,
        ...taggedNameFilter(options),
        AND: page.where,
      },
      orderBy: page.orderBy,
      take: options.take,
      include: WITH_COUNTS,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.scenario.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<ScenarioRow | null> {
    return this.db.client.scenario.findFirst({ where: { orgId, id }, include: WITH_TURNS });
  }

  /**
   * Null when there is no such scenario; 412 VERSION_CONFLICT when `expected` is not its revision.
   * `turns`, when given, replaces all turns.
   */
  update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    data: Partial<ScenarioData>,
    userId: string | null,
    action?: string,
  ): Promise<ScenarioRow | null> {
    const { turns, ...fields } = data;
    return this.audited.update(
      'scenario',
      () => this.lock(orgId, id),
      async (before) => {
        await this.db.client.scenario.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: { ...fields, version: { increment: 1 } },
          select: { id: true },
        });
        if (turns) {
          await this.db.client.scenarioExpectation.deleteMany({ where: { orgId, scenarioId: id } });
          await this.db.client.scenarioTurn.deleteMany({ where: { orgId, scenarioId: id } });
          await this.writeTurns(orgId, id, turns);
        }
        return this.afterWrite(orgId, id, userId);
      },
      { action },
    );
  }

  /** As update: null when there is none, 412 on a stale `expected`. Turns and versions go with it. */
  delete(orgId: string, id: string, expected: ExpectedVersion): Promise<ScenarioRow | null> {
    return this.audited.delete(
      'scenario',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.scenario.delete({ where: { id, orgId, version: matchVersion(before.version, expected) } }),
    );
  }

  async listVersions(
    orgId: string,
    scenarioId: string,
    options: { take: number; after?: Cursor<typeof SCENARIO_VERSION_ORDER> },
  ): Promise<ScenarioVersionRow[]> {
    const page = keyset(SCENARIO_VERSION_ORDER, 'desc', options.after);
    const rows = await this.db.client.scenarioVersion.findMany({
      where: { orgId, scenarioId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
    return rows.map(versionRow);
  }

  async findVersion(orgId: string, scenarioId: string, version: number): Promise<ScenarioVersionRow | null> {
    const row = await this.db.client.scenarioVersion.findFirst({ where: { orgId, scenarioId, version } });
    return row && versionRow(row);
  }

  private async writeTurns(orgId: string, scenarioId: string, turns: TurnData[]): Promise<void> {
    const rows = turns.map((turn, orderIndex) => ({ id: uuidv7(), turn, orderIndex }));
    if (rows.length === 0) return;
    await this.db.client.scenarioTurn.createMany({
      data: rows.map(({ id, turn, orderIndex }) => ({
        id,
        orgId,
        scenarioId,
        orderIndex,
        turnType: turn.type,
        userText: turn.text,
      })),
    });
    const expectations = rows.flatMap(({ id, turn }) =>
      turn.expectations.map((e, orderIndex) => ({
        orgId,
        scenarioId,
        turnId: id,
        orderIndex,
        expectationType: e.type,
        values: e.values,
        pattern: e.pattern,
        assertion: e.assertion,
        caseSensitive: e.caseSensitive,
        weight: e.weight,
      })),
    );
    if (expectations.length > 0) await this.db.client.scenarioExpectation.createMany({ data: expectations });
  }

  /** The scenario as written, snapshotted when it is published and its snapshot changed. */
  private async afterWrite(orgId: string, id: string, userId: string | null): Promise<ScenarioRow> {
    const row = (await this.findById(orgId, id))!;
    if (row.status !== ScenarioStatus.PUBLISHED) return row;
    const latest = await this.db.client.scenarioVersion.findFirst({
      where: { orgId, scenarioId: id },
      orderBy: { version: 'desc' },
      select: { version: true, snapshot: true },
    });
    const snapshot = snapshotOf(row);
    if (latest && isDeepStrictEqual(latest.snapshot, snapshot)) return row;
    await this.db.client.scenarioVersion.create({
      data: {
        orgId,
        scenarioId: id,
        version: (latest?.version ?? 0) + 1,
        snapshot: snapshot as unknown as Prisma.InputJsonValue,
        createdByUserId: userId,
      },
    });
    return row;
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<ScenarioRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM scenarios WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}

function versionRow(row: Prisma.ScenarioVersionGetPayload<object>): ScenarioVersionRow {
  const { id, scenarioId, version, snapshot, createdByUserId, createdAt } = row;
  return { id, scenarioId, version, snapshot: snapshot as unknown as ScenarioSnapshot, createdByUserId, createdAt };
}
