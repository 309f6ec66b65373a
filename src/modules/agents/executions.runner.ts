import { setTimeout as sleep } from 'node:timers/promises';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import { AppConfig } from '../../config/app-config';
import { DbContext, type DbScope } from '../../database/db-context';
import { ExecutionStatus } from '../../generated/prisma/enums';
import { PeriodicSweep } from '../../jobs/periodic-sweep';
import { JobsService, type JobContext } from '../../jobs/jobs.service';
import { ModelCallError, ModelGateway } from '../llm/model-gateway';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import type { AgentConfig } from './agents.repository';
import {
  EXECUTION_CANCELLED_CHANNEL,
  ExecutionsRepository,
  type ExecutionRow,
  type IdleExecution,
} from './executions.repository';
import { EXECUTION_QUEUE, type ExecutionJob } from './executions.service';

/**
 * Runs executions, one job each: the agent version's system prompt and the input (as JSON) as
 * the user message go to its model; the reply is stored with its tokens and cost. A model call
 * failing with a retryable error (429, 5xx, timeout) is tried again RUN_MODEL_ATTEMPTS times in
 * all, waiting RUN_RETRY_DELAY_MS, then twice that, …; then the execution FAILED. A job
 * interrupted (shutdown, crash, timeout) is tried again by pg-boss; on its last try the error is
 * recorded. Jobs run RUN_CONCURRENCY at a time per process. The sweep closes what no job will.
 */
@Injectable()
export class ExecutionsRunner implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Executions');
  /** Executions running here: a cancel aborts their model call. */
  private readonly running = new Map<string, AbortController>();
  private readonly sweeper = new PeriodicSweep('idle executions', () => this.sweepIdle(), this.logger);

  constructor(
    private readonly repository: ExecutionsRepository,
    private readonly jobs: JobsService,
    private readonly db: DbContext,
    private readonly gateway: ModelGateway,
    private readonly providerKeys: ProviderKeysService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<ExecutionJob>(EXECUTION_QUEUE, (job, context) => this.execute(job, context), {
      retryLimit: 2,
      retryDelaySeconds: 1,
      expireInSeconds: this.config.RUN_SCENARIO_TIMEOUT_SECONDS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.listen(EXECUTION_CANCELLED_CHANNEL, (id) =>
      this.running.get(id)?.abort(new Error('The execution was cancelled')),
    );
    this.sweeper.start(this.config.RUN_SWEEP_INTERVAL_SECONDS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }

  /** Runs one execution (the job's handler). */
  async execute(job: ExecutionJob, context: JobContext): Promise<void> {
    const scope: DbScope = { orgId: job.orgId, userId: job.userId ?? undefined };
    const claimed = await this.db.run(scope, () => this.repository.claim(job.orgId, job.executionId));
    if (!claimed) return; // finished, cancelled or gone: nothing to do
    const cancel = new AbortController();
    this.running.set(job.executionId, cancel);
    try {
      const signal = AbortSignal.any([context.signal, cancel.signal]);
      const reply = await this.call(scope, claimed.execution, claimed.config, signal);
      const { model, inputTokens, outputTokens, costUsd } = reply;
      const outcome = {
        status: ExecutionStatus.SUCCEEDED,
        output: outputOf(reply.text),
        model,
        inputTokens,
        outputTokens,
        costUsd,
      };
      await this.db.run(scope, () => this.repository.finish(job.orgId, job.executionId, outcome));
    } catch (error) {
      if (cancel.signal.aborted) return; // cancel() closed the execution
      const lastTry = context.retryCount >= context.retryLimit;
      // Interrupted (shutdown, timeout) or unexpected (the database): pg-boss tries the job again.
      if (!lastTry && (context.signal.aborted || !isExpected(error))) throw error;
      await this.fail(scope, job.executionId, messageOf(error));
    } finally {
      this.running.delete(job.executionId);
    }
  }

  /**
   * Closes what no job will: queues again a PENDING execution whose job was lost, fails one
   * whose job ended (or vanished while it ran) without a result. Jobs still queued or active
   * are left to pg-boss (its expiry retries a job whose process died).
   */
  sweep(): Promise<void> {
    return this.sweeper.run();
  }

  private async sweepIdle(): Promise<void> {
    const idle = await this.db.run({}, () => this.repository.idle(this.config.RUN_SWEEP_INTERVAL_SECONDS));
    for (const execution of idle) await this.sweepOne(execution);
  }

  private async sweepOne({ id, orgId, triggeredByUserId }: IdleExecution): Promise<void> {
    const scope: DbScope = { orgId, userId: triggeredByUserId ?? undefined };
    const state = await this.jobs.state(EXECUTION_QUEUE, id);
    if (state === 'created' || state === 'retry' || state === 'active') return;
    const row = await this.db.run(scope, () => this.repository.findById(orgId, id));
    if (state === null && row?.status === ExecutionStatus.PENDING) {
      this.logger.warn(`Execution ${id}: queueing it again (its job was lost)`);
      const job: ExecutionJob = { orgId, userId: triggeredByUserId, executionId: id };
      await this.jobs.send(EXECUTION_QUEUE, job, { id });
      return;
    }
    await this.fail(scope, id, `The execution's job ${state ? `ended (${state})` : 'was lost'} without a result`);
  }

  private async call(scope: DbScope, execution: ExecutionRow, config: AgentConfig, signal: AbortSignal) {
    const key = await this.db.run(scope, () => this.providerKeys.resolveForUse(execution.orgId, config.providerKeyId));
    const content = JSON.stringify(execution.input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.gateway.complete({
          key,
          model: config.model,
          system: config.systemPrompt,
          messages: [{ role: 'user', content }],
          temperature: config.temperature ?? undefined,
          signal,
        });
      } catch (error) {
        const retryable = error instanceof ModelCallError && error.retryable;
        if (!retryable || attempt >= this.config.RUN_MODEL_ATTEMPTS || signal.aborted) throw error;
        // A growing wait with jitter: RUN_RETRY_DELAY_MS, twice that, …
        await sleep(this.config.RUN_RETRY_DELAY_MS * 2 ** (attempt - 1) * (0.75 + Math.random() / 2), undefined, {
          signal,
        });
      }
    }
  }

  private async fail(scope: DbScope, id: string, error: string): Promise<void> {
    const outcome = { status: ExecutionStatus.FAILED, error };
    await this.db.run(scope, () => this.repository.finish(scope.orgId!, id, outcome));
  }
}

/** Errors that are the execution's outcome: the model's, or a provider key that became unusable. */
function isExpected(error: unknown): boolean {
  return error instanceof ModelCallError || error instanceof AppException;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The reply as stored: its JSON when it is a JSON object or array (a ```json fence allowed), else `{text}`. */
export function outputOf(text: string): unknown {
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(text.trim());
  try {
    const parsed: unknown = JSON.parse(fenced ? fenced[1]! : text);
    if (parsed !== null && typeof parsed === 'object') return parsed;
  } catch {
    // not JSON: kept as text
  }
  return { text };
}
