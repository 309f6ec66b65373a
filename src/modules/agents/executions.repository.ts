import { Injectable } from '@nestjs/common';
import { keyset, TIME_CURSOR, type Cursor } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { Execution, Prisma } from '../../generated/prisma/client';
import { ExecutionStatus } from '../../generated/prisma/enums';
import { AuditService } from '../audit/audit.service';
import { AuditedWrites } from '../audit/audited-writes';
import type { AgentConfig } from './agents.repository';

export type ExecutionRow = Execution;

export interface NewExecution {
  agentId: string;
  agentVersion: number;
  input: Record<string, unknown>;
  model: string;
  triggeredByUserId: string | null;
}

/** How an execution ended, as the runner (or the sweep) records it. */
export interface ExecutionOutcome {
  status: typeof ExecutionStatus.SUCCEEDED | typeof ExecutionStatus.FAILED;
  output?: unknown;
  error?: string | null;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number | null;
}

/** An execution the sweep found idle, with the scope to look at it in. */
export interface IdleExecution {
  id: string;
  orgId: string;
  triggeredByUserId: string | null;
}

const UNFINISHED: ExecutionStatus[] = [ExecutionStatus.PENDING, ExecutionStatus.RUNNING];

export const isFinished = (status: ExecutionStatus): boolean => !UNFINISHED.includes(status);

/** Executions go newest first: keyset pagination on (createdAt, id). */
export const EXECUTION_ORDER = TIME_CURSOR;

/** The NOTIFY channel on which a cancel reaches the instance running the execution. */
export const EXECUTION_CANCELLED_CHANNEL = 'orgbase_execution_cancelled';

/**
 * Executions of agents. Every method takes orgId first and filters on it (RLS is layer 3).
 * A finished execution keeps its status (a trigger refuses the change): the writes that finish
 * one only touch it while PENDING or RUNNING, and report when it had finished already.
 */
@Injectable()
export class ExecutionsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
    private readonly audit: AuditService,
  ) {}

  create(orgId: string, data: NewExecution): Promise<ExecutionRow> {
    return this.audited.create(
      'execution',
      () =>
        this.db.client.execution.create({
          data: { ...data, orgId, input: data.input as Prisma.InputJsonValue },
        }),
      { action: 'execution.started' },
    );
  }

  list(
    orgId: string,
    options: {
      take: number;
      after?: Cursor<typeof EXECUTION_ORDER>;
      agentId?: string;
      status?: ExecutionStatus;
      from?: Date;
      to?: Date;
    },
  ): Promise<ExecutionRow[]> {
    const page = keyset(EXECUTION_ORDER, 'desc', options.after);
    return this.db.client.execution.findMany({
      where: {
        orgId,
        agentId: options.agentId,
        status: options.status,
        createdAt: { gte: options.from, lt: options.to },
        AND: page.where,
      },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  /** Executions pending or running: what the activeExecutions limit counts. */
  count(orgId: string): Promise<number> {
    return this.db.client.execution.count({ where: { orgId, status: { in: UNFINISHED } } });
  }

  findById(orgId: string, id: string): Promise<ExecutionRow | null> {
    return this.db.client.execution.findFirst({ where: { orgId, id } });
  }

  /**
   * Marks an unfinished execution RUNNING and returns it with the config of its agent version;
   * null when it is no longer to be run (finished, cancelled, gone). One found RUNNING was
   * interrupted (a restart): it runs again.
   */
  async claim(orgId: string, id: string): Promise<{ execution: ExecutionRow; config: AgentConfig } | null> {
    const claimed = await this.db.client.execution.updateMany({
      where: { orgId, id, status: { in: UNFINISHED } },
      data: { status: ExecutionStatus.RUNNING, startedAt: new Date() },
    });
    if (claimed.count === 0) return null;
    const execution = (await this.findById(orgId, id))!;
    const version = await this.db.client.agentVersion.findFirst({
      where: { orgId, agentId: execution.agentId, version: execution.agentVersion },
      select: { config: true },
    });
    if (!version) return null;
    return { execution, config: version.config as unknown as AgentConfig };
  }

  /**
   * Records how an unfinished execution ended, and audits it; false (nothing written) when it
   * had finished meanwhile (cancelled). One UPDATE with the status in its WHERE: a concurrent
   * cancel holding the row makes it wait, then match nothing.
   */
  async finish(orgId: string, id: string, outcome: ExecutionOutcome): Promise<boolean> {
    const output = outcome.output === undefined ? null : JSON.stringify(outcome.output);
    const rows = await this.db.client.$queryRaw<{ id: string }[]>`
      UPDATE executions SET
        status = ${outcome.status}::"ExecutionStatus",
        output = ${output}::jsonb,
        error = ${outcome.error ?? null},
        model = coalesce(${outcome.model ?? null}, model),
        "inputTokens" = ${outcome.inputTokens ?? 0},
        "outputTokens" = ${outcome.outputTokens ?? 0},
        "costUsd" = ${outcome.costUsd ?? null}::numeric,
        "finishedAt" = now(),
        "durationMs" = greatest(0, floor(extract(epoch FROM now() - coalesce("startedAt", "createdAt")) * 1000))::int,
        "updatedAt" = now()
      WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid AND status IN ('PENDING', 'RUNNING')
      RETURNING id`;
    if (rows.length === 0) return false;
    const after = await this.findById(orgId, id);
    const action = outcome.status === ExecutionStatus.SUCCEEDED ? 'execution.succeeded' : 'execution.failed';
    await this.audit.record({ orgId, action, resourceType: 'execution', resourceId: id, after });
    return true;
  }

  /**
   * Cancels an unfinished execution; null when there is no such execution, `cancelled: false`
   * when it had finished. The instance running it hears of it at commit (NOTIFY) and aborts its call.
   */
  async cancel(
    orgId: string,
    id: string,
    userId: string | null,
  ): Promise<{ execution: ExecutionRow; cancelled: boolean } | null> {
    let finished: ExecutionRow | undefined;
    const cancelled = await this.audited.update(
      'execution',
      () => this.lock(orgId, id),
      async (before) => {
        if (isFinished(before.status)) {
          finished = before;
          return before;
        }
        const now = new Date();
        await this.db.client.$executeRaw`SELECT pg_notify(${EXECUTION_CANCELLED_CHANNEL}, ${id})`;
        return this.db.client.execution.update({
          where: { id, orgId },
          data: {
            status: ExecutionStatus.CANCELLED,
            finishedAt: now,
            durationMs: now.getTime() - (before.startedAt ?? before.createdAt).getTime(),
            cancelledByUserId: userId,
          },
        });
      },
      { action: 'execution.cancelled' },
    );
    if (finished) return { execution: finished, cancelled: false };
    return cancelled && { execution: cancelled, cancelled: true };
  }

  /** Executions idle for `idleSeconds` in any org (a definer function: ids and scope only). */
  idle(idleSeconds: number): Promise<IdleExecution[]> {
    return this.db.client.$queryRaw<IdleExecution[]>`
      SELECT id, "orgId", "triggeredByUserId" FROM app_idle_executions(${idleSeconds}::int)`;
  }

  private async lock(orgId: string, id: string): Promise<ExecutionRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM executions WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
