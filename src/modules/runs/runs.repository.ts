import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import {
  Prisma,
  type EvaluationResult,
  type EvaluationRun,
  type ExpectationResult,
} from '../../generated/prisma/client';
import { EvaluationRunStatus, ExpectationType, ScenarioTurnType, type AiProvider } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';
import type { ExpectationRule } from '../evaluation/expectations';

export type RunRow = EvaluationRun;
export type ResultRow = EvaluationResult;
export type ExpectationResultRow = ExpectationResult;
export type RunWithResults = RunRow & { results: (ResultRow & { expectations: ExpectationResultRow[] })[] };

/** A scenario as a run needs it at start: what it is and whether it needs a judge. */
export interface ScenarioTarget {
  id: string;
  name: string;
  version: number;
  turnCount: number;
  needsJudge: boolean;
}

/** An expectation to evaluate, with where it came from. */
export type PlayExpectation = ExpectationRule & { id: string };

export interface PlayTurn {
  orderIndex: number;
  type: ScenarioTurnType;
  text: string | null;
  expectations: PlayExpectation[];
}

/** A scenario as the runner plays it: its turns in order; expectations on no turn come last. */
export interface PlayScript {
  turns: PlayTurn[];
  closing: PlayExpectation[];
}

export interface NewRun {
  scenarioId: string | null;
  suiteId: string | null;
  providerKeyId: string;
  provider: AiProvider;
  model: string;
  promptId: string | null;
  promptVersion: number | null;
  judgeProviderKeyId: string | null;
  judgeModel: string | null;
  variables: Record<string, string> | null;
  rerunOfId: string | null;
  triggeredByUserId: string | null;
}

export interface NewResult {
  scenarioId: string;
  scenarioName: string;
  scenarioVersion: number;
  /** What the result's transcript starts with (the system prompt as played). */
  transcript: TranscriptEntry[];
}

export interface TranscriptEntry {
  turnIndex: number | null;
  role: 'system' | 'user' | 'assistant';
  text: string;
  latencyMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  attempts?: number;
  error?: string;
}

export interface ResultOutcome {
  status: EvaluationRunStatus;
  transcript: TranscriptEntry[];
  passedCount: number;
  failedCount: number;
  score: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  latencyMs: number | null;
  error: string | null;
  /** Model calls made, retries included. */
  attempts: number;
  expectations: {
    turnIndex: number;
    orderIndex: number;
    expectationId: string | null;
    expectationType: ExpectationType;
    rule: Record<string, unknown>;
    weight: number;
    passed: boolean;
    score: number | null;
    reason: string | null;
  }[];
}

/** A run the sweep found idle, with the scope to look at it in. */
export interface IdleRun {
  id: string;
  orgId: string;
  triggeredByUserId: string | null;
}

const FINISHED: EvaluationRunStatus[] = [
  EvaluationRunStatus.PASSED,
  EvaluationRunStatus.FAILED,
  EvaluationRunStatus.ERROR,
  EvaluationRunStatus.CANCELLED,
];
const UNFINISHED: EvaluationRunStatus[] = [EvaluationRunStatus.QUEUED, EvaluationRunStatus.RUNNING];

export const isFinished = (status: EvaluationRunStatus): boolean => FINISHED.includes(status);

/** Runs go newest first: keyset pagination on the (orgId, createdAt, id) index. */
export const RUN_ORDER = TIME_CURSOR;

/** The NOTIFY channel on which a cancel reaches the instance playing the run. */
export const RUN_CANCELLED_CHANNEL = 'orgbase_run_cancelled';

const WITH_RESULTS = {
  results: {
    orderBy: { orderIndex: 'asc' },
    include: { expectations: { orderBy: [{ turnIndex: 'asc' }, { orderIndex: 'asc' }] } },
  },
} as const satisfies Prisma.EvaluationRunInclude;

/** Variables may hold secrets: the audit log gets the run without them. */
const auditView = ({ variables, ...run }: RunRow) => ({ ...run, variables: variables ? '[redacted]' : null });

/**
 * Runs, their per-scenario results and per-expectation verdicts; and the scenarios and suites
 * a run plays, read-only. Every method takes orgId first and filters on it (RLS is layer 3).
 */
@Injectable()
export class RunsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  async scenarioTarget(orgId: string, scenarioId: string): Promise<ScenarioTarget | null> {
    return (await this.scenarioTargets(orgId, [scenarioId]))[0] ?? null;
  }

  /** The suite's scenarios in its order; null when there is no such suite. */
  async suiteTargets(orgId: string, suiteId: string): Promise<ScenarioTarget[] | null> {
    const suite = await this.db.client.scenarioSuite.findFirst({
      where: { orgId, id: suiteId },
      select: { items: { orderBy: { orderIndex: 'asc' }, select: { scenarioId: true } } },
    });
    if (!suite) return null;
    return this.scenarioTargets(
      orgId,
      suite.items.map((item) => item.scenarioId),
    );
  }

  /** The scenarios among `ids` that exist, in the order of `ids`. */
  async scenarioTargets(orgId: string, ids: string[]): Promise<ScenarioTarget[]> {
    const rows = await this.db.client.scenario.findMany({
      where: { orgId, id: { in: ids } },
      select: {
        id: true,
        name: true,
        version: true,
        _count: { select: { turns: true, expectations: { where: { expectationType: 'SEMANTIC_ASSERT' } } } },
      },
    });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      if (!row) return [];
      const { name, version, _count } = row;
      return [{ id, name, version, turnCount: _count.turns, needsJudge: _count.expectations > 0 }];
    });
  }

  /** Creates the run and one QUEUED result per scenario, in order. */
  createRun(orgId: string, run: NewRun, results: NewResult[]): Promise<RunRow & { results: ResultRow[] }> {
    return this.audited.create(
      'evaluation_run',
      async () => {
        const created = await this.db.client.evaluationRun.create({
          data: { ...run, orgId, variables: run.variables ?? Prisma.DbNull, totalCount: results.length },
        });
        await this.db.client.evaluationResult.createMany({
          data: results.map((result, orderIndex) => ({
            ...result,
            orgId,
            runId: created.id,
            orderIndex,
            transcript: result.transcript as unknown as Prisma.InputJsonValue,
          })),
        });
        return { ...created, results: await this.findResults(orgId, created.id) };
      },
      { view: auditView },
    );
  }

  list(
    orgId: string,
    options: {
      take: number;
      after?: Cursor<typeof RUN_ORDER>;
      status?: EvaluationRunStatus;
      scenarioId?: string;
      suiteId?: string;
    },
  ): Promise<RunRow[]> {
    const page = keyset(RUN_ORDER, 'desc', options.after);
    return this.db.client.evaluationRun.findMany({
      where: {
        orgId,
        status: options.status,
        scenarioId: options.scenarioId,
        suiteId: options.suiteId,
        AND: page.where,
      },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  count(orgId: string, statuses: EvaluationRunStatus[] = UNFINISHED): Promise<number> {
    return this.db.client.evaluationRun.count({ where: { orgId, status: { in: statuses } } });
  }

  findRun(orgId: string, id: string): Promise<RunRow | null> {
    return this.db.client.evaluationRun.findFirst({ where: { orgId, id } });
  }

  findRunWithResults(orgId: string, id: string): Promise<RunWithResults | null> {
    return this.db.client.evaluationRun.findFirst({ where: { orgId, id }, include: WITH_RESULTS });
  }

  findResults(orgId: string, runId: string): Promise<ResultRow[]> {
    return this.db.client.evaluationResult.findMany({ where: { orgId, runId }, orderBy: { orderIndex: 'asc' } });
  }

  /**
   * Cancels an unfinished run and its unfinished results; null when there is no such run,
   * `cancelled: false` when it had finished. Instances playing it hear of it at commit (NOTIFY).
   */
  async cancel(orgId: string, id: string): Promise<{ run: RunRow; cancelled: boolean } | null> {
    let finished: RunRow | undefined;
    const cancelled = await this.audited.update(
      'evaluation_run',
      () => this.lockRun(orgId, id),
      async (before) => {
        if (isFinished(before.status)) {
          finished = before;
          return before;
        }
        const now = new Date();
        await this.db.client.evaluationResult.updateMany({
          where: { orgId, runId: id, status: { in: UNFINISHED } },
          data: { status: EvaluationRunStatus.CANCELLED, finishedAt: now },
        });
        await this.db.client.$executeRaw`SELECT pg_notify(${RUN_CANCELLED_CHANNEL}, ${id})`;
        return this.db.client.evaluationRun.update({
          where: { id, orgId },
          data: { status: EvaluationRunStatus.CANCELLED, finishedAt: now, durationMs: durationMs(before, now) },
        });
      },
      { action: 'evaluation_run.cancelled', view: auditView },
    );
    if (finished) return { run: finished, cancelled: false };
    return cancelled && { run: cancelled, cancelled: true };
  }

  /**
   * Starts playing a result: null when it is no longer to be played (finished, cancelled, gone).
   * A result found RUNNING was interrupted (a restart): it is played again from its start.
   */
  async claimResult(
    orgId: string,
    runId: string,
    resultId: string,
  ): Promise<{ run: RunRow; result: ResultRow } | null> {
    const run = await this.lockRun(orgId, runId);
    if (!run || isFinished(run.status)) return null;
    const result = await this.db.client.evaluationResult.findFirst({ where: { orgId, id: resultId, runId } });
    if (!result || isFinished(result.status)) return null;
    const now = new Date();
    await this.db.client.expectationResult.deleteMany({ where: { orgId, resultId } });
    const claimed = await this.db.client.evaluationResult.update({
      where: { id: resultId, orgId },
      data: { status: EvaluationRunStatus.RUNNING, startedAt: now, attempts: 0 },
    });
    const started =
      run.status === EvaluationRunStatus.QUEUED
        ? await this.db.client.evaluationRun.update({
            where: { id: runId, orgId },
            data: { status: EvaluationRunStatus.RUNNING, startedAt: now },
          })
        : await this.touch(orgId, runId);
    return { run: started, result: claimed };
  }

  async runStatus(orgId: string, runId: string): Promise<EvaluationRunStatus | null> {
    const row = await this.db.client.evaluationRun.findFirst({ where: { orgId, id: runId }, select: { status: true } });
    return row?.status ?? null;
  }

  /** The scenario's turns and expectations as they are now; null when it was deleted. */
  async script(orgId: string, scenarioId: string): Promise<PlayScript | null> {
    const scenario = await this.db.client.scenario.findFirst({
      where: { orgId, id: scenarioId },
      select: {
        turns: {
          orderBy: { orderIndex: 'asc' },
          select: { id: true, orderIndex: true, turnType: true, userText: true },
        },
        expectations: {
          orderBy: { orderIndex: 'asc' },
          select: {
            id: true,
            turnId: true,
            expectationType: true,
            values: true,
            pattern: true,
            assertion: true,
            caseSensitive: true,
            weight: true,
          },
        },
      },
    });
    if (!scenario) return null;
    const rule = (e: (typeof scenario.expectations)[number]): PlayExpectation => ({
      id: e.id,
      type: e.expectationType,
      values: e.values,
      pattern: e.pattern,
      assertion: e.assertion,
      caseSensitive: e.caseSensitive,
      weight: e.weight,
    });
    const turnIds = new Set(scenario.turns.map((turn) => turn.id));
    return {
      turns: scenario.turns.map((turn) => ({
        orderIndex: turn.orderIndex,
        type: turn.turnType,
        text: turn.userText,
        expectations: scenario.expectations.filter((e) => e.turnId === turn.id).map(rule),
      })),
      closing: scenario.expectations.filter((e) => !e.turnId || !turnIds.has(e.turnId)).map(rule),
    };
  }

  /** Counts a model call's tries on the result and marks the run alive (the sweep leaves it be). */
  async recordProgress(
    orgId: string,
    runId: string,
    resultId: string,
    transcript: TranscriptEntry[],
    attempts: number,
  ): Promise<void> {
    await this.db.client.evaluationResult.updateMany({
      where: { orgId, id: resultId, status: EvaluationRunStatus.RUNNING },
      data: { transcript: transcript as unknown as Prisma.InputJsonValue, attempts },
    });
    await this.touch(orgId, runId);
  }

  /**
   * Records a result's outcome and counts it on its run in one statement each (atomic under
   * concurrent scenarios); closes the run when it was the last. Nothing when the result was
   * finished meanwhile (cancelled): returns false.
   */
  async finishResult(orgId: string, runId: string, resultId: string, outcome: ResultOutcome): Promise<boolean> {
    const now = new Date();
    const { expectations, transcript, costUsd, ...counts } = outcome;
    const updated = await this.db.client.evaluationResult.updateMany({
      where: { orgId, id: resultId, status: { in: UNFINISHED } },
      data: {
        ...counts,
        transcript: transcript as unknown as Prisma.InputJsonValue,
        costUsd,
        finishedAt: now,
      },
    });
    if (updated.count === 0) return false;
    await this.db.client.expectationResult.deleteMany({ where: { orgId, resultId } });
    await this.db.client.expectationResult.createMany({
      data: expectations.map((e) => ({ ...e, orgId, resultId, rule: e.rule as Prisma.InputJsonValue })),
    });
    const passed = outcome.status === EvaluationRunStatus.PASSED ? 1 : 0;
    const failed = outcome.status === EvaluationRunStatus.FAILED ? 1 : 0;
    const errored = outcome.status === EvaluationRunStatus.ERROR ? 1 : 0;
    const [run] = await this.db.client.$queryRaw<
      { doneCount: number; totalCount: number; status: EvaluationRunStatus }[]
    >`
      UPDATE evaluation_runs SET
        "doneCount" = "doneCount" + 1,
        "passedCount" = "passedCount" + ${passed},
        "failedCount" = "failedCount" + ${failed},
        "errorCount" = "errorCount" + ${errored},
        "inputTokens" = "inputTokens" + ${outcome.inputTokens},
        "outputTokens" = "outputTokens" + ${outcome.outputTokens},
        "costUsd" = CASE WHEN ${costUsd}::numeric IS NULL THEN "costUsd" ELSE coalesce("costUsd", 0) + ${costUsd}::numeric END,
        "updatedAt" = now()
      WHERE "orgId" = ${orgId}::uuid AND id = ${runId}::uuid
      RETURNING "doneCount", "totalCount", status`;
    if (run && run.doneCount >= run.totalCount && !isFinished(run.status)) await this.close(orgId, runId);
    return true;
  }

  /**
   * Closes a run whose results are all finished: ERROR if one errored, FAILED if one failed, else
   * PASSED; audited as `run.finished` (by the system), the event webhooks subscribe to.
   */
  async close(orgId: string, runId: string): Promise<void> {
    let results: ResultRow[] = [];
    await this.audited.update(
      'evaluation_run',
      async () => {
        const run = await this.lockRun(orgId, runId);
        if (!run || isFinished(run.status)) return null;
        results = await this.findResults(orgId, runId);
        return results.some((result) => !isFinished(result.status)) ? null : run;
      },
      (run) => {
        const status = results.some((r) => r.status === EvaluationRunStatus.ERROR)
          ? EvaluationRunStatus.ERROR
          : results.some((r) => r.status === EvaluationRunStatus.FAILED)
            ? EvaluationRunStatus.FAILED
            : EvaluationRunStatus.PASSED;
        const scores = results.map((r) => r.score).filter((score): score is number => score !== null);
        const now = new Date();
        return this.db.client.evaluationRun.update({
          where: { id: runId, orgId },
          data: {
            status,
            score: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
            finishedAt: now,
            durationMs: durationMs(run, now),
            error: status === EvaluationRunStatus.ERROR ? firstError(results) : null,
          },
        });
      },
      { action: 'run.finished', view: auditView, orgId },
    );
  }

  /** Runs idle for `idleSeconds` in any org (a definer function: ids and scope only). */
  idleRuns(idleSeconds: number): Promise<IdleRun[]> {
    return this.db.client.$queryRaw<IdleRun[]>`
      SELECT id, "orgId", "triggeredByUserId" FROM app_idle_evaluation_runs(${idleSeconds}::int)`;
  }

  touch(orgId: string, runId: string): Promise<RunRow> {
    return this.db.client.evaluationRun.update({ where: { id: runId, orgId }, data: { updatedAt: new Date() } });
  }

  private async lockRun(orgId: string, id: string): Promise<RunRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM evaluation_runs WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findRun(orgId, id);
  }
}

function durationMs(run: RunRow, now: Date): number {
  return now.getTime() - (run.startedAt ?? run.createdAt).getTime();
}

function firstError(results: ResultRow[]): string | null {
  const failed = results.find((r) => r.status === EvaluationRunStatus.ERROR);
  return failed ? `${failed.scenarioName}: ${failed.error ?? 'error'}` : null;
}
