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
import { EvaluationRunStatus, ExpectationType } from '../../generated/prisma/enums';
import { PeriodicSweep } from '../../jobs/periodic-sweep';
import { JobsService, type JobContext } from '../../jobs/jobs.service';
import {
  evaluateExpectations,
  weightedScore,
  type ExpectationRule,
  type ExpectationVerdict,
  type Judge,
} from '../evaluation/expectations';
import {
  ModelCallError,
  ModelGateway,
  type ChatTurn,
  type ModelReply,
  type UsableProviderKey,
} from '../llm/model-gateway';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import {
  isFinished,
  RUN_CANCELLED_CHANNEL,
  RunsRepository,
  type IdleRun,
  type PlayExpectation,
  type ResultOutcome,
  type ResultRow,
  type RunRow,
  type TranscriptEntry,
} from './runs.repository';
import { JUDGE_SYSTEM, parseVerdict } from './judge-verdict';
import { RUN_SCENARIO_QUEUE, type RunScenarioJob } from './runs.service';

/** A scenario stopped because its run was cancelled. */
class Cancelled extends Error {}

/** Sums what the model calls of one scenario cost. */
class Usage {
  inputTokens = 0;
  outputTokens = 0;
  costUsd: number | null = null;
  latencyMs = 0;
  attempts = 0;

  add(reply: ModelReply): void {
    this.inputTokens += reply.inputTokens;
    this.outputTokens += reply.outputTokens;
    if (reply.costUsd !== null) this.costUsd = (this.costUsd ?? 0) + reply.costUsd;
    this.latencyMs += reply.latencyMs;
  }
}

/** What a scenario play has produced so far (kept when it stops on an error). */
interface Play {
  transcript: TranscriptEntry[];
  expectations: ResultOutcome['expectations'];
  rules: ExpectationRule[];
  verdicts: ExpectationVerdict[];
  usage: Usage;
}

/**
 * Plays the scenarios of runs, one job per (run, scenario): USER turns go to the model with the
 * history and the prompt as system message; EXPECT turns evaluate their expectations on the
 * last reply. Model calls that fail with a retryable error (429, 5xx, timeout) are tried again
 * with a growing wait; failed assertions never are. A job interrupted (shutdown, crash, timeout)
 * is tried again by pg-boss and plays its scenario from the start; on its last try an error is
 * recorded instead. The sweep closes what no job will: lost jobs are queued again, jobs ended
 * without a result count as errors.
 */
@Injectable()
export class RunsRunner implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Runs');
  /** Scenarios being played here, by run: a cancel aborts their model calls. */
  private readonly playing = new Map<string, Set<AbortController>>();
  private readonly sweeper = new PeriodicSweep('idle runs', () => this.sweepIdleRuns(), this.logger);

  constructor(
    private readonly repository: RunsRepository,
    private readonly jobs: JobsService,
    private readonly db: DbContext,
    private readonly gateway: ModelGateway,
    private readonly providerKeys: ProviderKeysService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register<RunScenarioJob>(RUN_SCENARIO_QUEUE, (job, context) => this.play(job, context), {
      retryLimit: 2,
      retryDelaySeconds: 1,
      expireInSeconds: this.config.RUN_SCENARIO_TIMEOUT_SECONDS,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.listen(RUN_CANCELLED_CHANNEL, (runId) => this.abortRun(runId));
    this.sweeper.start(this.config.RUN_SWEEP_INTERVAL_SECONDS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper.stop();
  }

  /** Plays one scenario of a run (the job's handler). */
  async play(job: RunScenarioJob, context: JobContext): Promise<void> {
    const scope: DbScope = { orgId: job.orgId, userId: job.userId ?? undefined };
    const claimed = await this.db.run(scope, () => this.repository.claimResult(job.orgId, job.runId, job.resultId));
    if (!claimed) return; // finished, cancelled or gone: nothing to do
    const cancel = new AbortController();
    const controllers = this.playing.get(job.runId) ?? new Set<AbortController>();
    this.playing.set(job.runId, controllers.add(cancel));
    const play: Play = {
      transcript: (claimed.result.transcript as unknown as TranscriptEntry[]).filter((e) => e.role === 'system'),
      expectations: [],
      rules: [],
      verdicts: [],
      usage: new Usage(),
    };
    try {
      const signal = AbortSignal.any([context.signal, cancel.signal]);
      await this.playScenario(scope, claimed.run, claimed.result, play, signal, cancel.signal);
      await this.finish(scope, job, play, null);
    } catch (error) {
      if (error instanceof Cancelled || cancel.signal.aborted) return; // cancel() closed the result
      const lastTry = context.retryCount >= context.retryLimit;
      // Interrupted (shutdown, timeout) or unexpected (the database): pg-boss tries the job again.
      if (!lastTry && (context.signal.aborted || !isExpected(error))) throw error;
      await this.finish(scope, job, play, messageOf(error));
    } finally {
      controllers.delete(cancel);
      if (controllers.size === 0) this.playing.delete(job.runId);
    }
  }

  /**
   * Closes what no job will: queues the scenarios of idle runs whose job was lost, records an
   * error for those whose job ended without a result, closes runs with nothing left to play.
   */
  sweep(): Promise<void> {
    return this.sweeper.run();
  }

  private async sweepIdleRuns(): Promise<void> {
    const idle = await this.db.run({}, () => this.repository.idleRuns(this.config.RUN_SWEEP_INTERVAL_SECONDS));
    for (const run of idle) await this.sweepRun(run);
  }

  private async sweepRun(run: IdleRun): Promise<void> {
    const scope: DbScope = { orgId: run.orgId, userId: run.triggeredByUserId ?? undefined };
    const results = await this.db.run(scope, () => this.repository.findResults(run.orgId, run.id));
    for (const result of results.filter((r) => !isFinished(r.status))) {
      const job: RunScenarioJob = {
        orgId: run.orgId,
        userId: run.triggeredByUserId,
        runId: run.id,
        resultId: result.id,
      };
      const state = await this.jobs.state(RUN_SCENARIO_QUEUE, result.id);
      if (state === null) {
        this.logger.warn(`Run ${run.id}: queueing scenario ${result.orderIndex} again (its job was lost)`);
        await this.jobs.send(RUN_SCENARIO_QUEUE, job, { id: result.id });
      } else if (state === 'completed' || state === 'failed' || state === 'cancelled') {
        const play = { transcript: [], expectations: [], rules: [], verdicts: [], usage: new Usage() };
        await this.finish(scope, job, play, `The scenario's job ended (${state}) without a result`);
      }
    }
    await this.db.run(scope, async () => {
      await this.repository.close(run.orgId, run.id);
      await this.repository.touch(run.orgId, run.id);
    });
  }

  private async playScenario(
    scope: DbScope,
    run: RunRow,
    result: ResultRow,
    play: Play,
    signal: AbortSignal,
    cancelled: AbortSignal,
  ): Promise<void> {
    const { script, key, judgeKey } = await this.db.run(scope, async () => ({
      script: await this.repository.script(run.orgId, result.scenarioId),
      key: await this.providerKeys.resolveForUse(run.orgId, run.providerKeyId!),
      judgeKey: run.judgeProviderKeyId
        ? await this.providerKeys.resolveForUse(run.orgId, run.judgeProviderKeyId)
        : null,
    }));
    if (!script) throw new ExpectedError('The scenario was deleted');
    const system = play.transcript.find((entry) => entry.role === 'system')?.text;
    const judge = judgeKey ? this.judge(judgeKey, run.judgeModel!, play.usage, signal) : undefined;
    const history: ChatTurn[] = [];
    let reply = '';
    for (const turn of script.turns) {
      await this.checkCancelled(scope, run, cancelled);
      if (turn.type === 'USER') {
        const text = turn.text ?? '';
        play.transcript.push({ turnIndex: turn.orderIndex, role: 'user', text });
        history.push({ role: 'user', content: text });
        const before = play.usage.attempts;
        const { value, attempts } = await this.withRetries(signal, play.usage, () =>
          this.gateway.complete({ key, model: run.model, system, messages: history, signal }),
        ).catch((error: unknown) => {
          const tries = play.usage.attempts - before;
          play.transcript.push({
            turnIndex: turn.orderIndex,
            role: 'assistant',
            text: '',
            attempts: tries,
            error: messageOf(error),
          });
          throw error;
        });
        play.usage.add(value);
        reply = value.text;
        history.push({ role: 'assistant', content: reply });
        play.transcript.push({
          turnIndex: turn.orderIndex,
          role: 'assistant',
          text: reply,
          latencyMs: value.latencyMs,
          inputTokens: value.inputTokens,
          outputTokens: value.outputTokens,
          attempts,
        });
        await this.db.run(scope, () =>
          this.repository.recordProgress(run.orgId, run.id, result.id, play.transcript, play.usage.attempts),
        );
      } else {
        await this.evaluate(play, turn.orderIndex, turn.expectations, reply, judge);
      }
    }
    if (script.closing.length > 0) await this.evaluate(play, script.turns.length, script.closing, reply, judge);
  }

  private async evaluate(play: Play, turnIndex: number, rules: PlayExpectation[], reply: string, judge?: Judge) {
    const asRules: ExpectationRule[] = rules.map(({ id, ...rule }) => (void id, rule));
    const verdicts = await evaluateExpectations(asRules, reply, judge);
    verdicts.forEach((verdict, orderIndex) => {
      const rule = rules[orderIndex]!;
      play.expectations.push({
        turnIndex,
        orderIndex,
        expectationId: rule.id,
        expectationType: rule.type,
        rule: ruleJson(rule),
        weight: rule.weight,
        passed: verdict.passed === true,
        score: verdict.score,
        reason: verdict.passed === null ? `Not evaluated: ${verdict.reason}` : verdict.reason,
      });
    });
    play.rules.push(...asRules);
    play.verdicts.push(...verdicts);
  }

  /** Records the scenario's outcome (an error when `error` is given) and closes the run after its last one. */
  private async finish(scope: DbScope, job: RunScenarioJob, play: Play, error: string | null): Promise<void> {
    const failed = play.expectations.filter((e) => !e.passed).length;
    const status = error
      ? EvaluationRunStatus.ERROR
      : failed > 0
        ? EvaluationRunStatus.FAILED
        : EvaluationRunStatus.PASSED;
    const { inputTokens, outputTokens, costUsd, latencyMs, attempts } = play.usage;
    const outcome: ResultOutcome = {
      status,
      transcript: play.transcript,
      passedCount: play.expectations.length - failed,
      failedCount: failed,
      score: play.rules.length ? weightedScore(play.rules, play.verdicts) : null,
      inputTokens,
      outputTokens,
      costUsd,
      latencyMs: attempts > 0 ? latencyMs : null,
      error,
      attempts,
      expectations: play.expectations,
    };
    await this.db.run(scope, () => this.repository.finishResult(job.orgId, job.runId, job.resultId, outcome));
  }

  /** A judge for SEMANTIC_ASSERT: the judge model answers JSON {pass, score, reason}, read defensively. */
  private judge(key: UsableProviderKey, model: string, usage: Usage, signal: AbortSignal): Judge {
    return async ({ assertion, reply }) => {
      const { value } = await this.withRetries(signal, usage, async () => {
        const answer = await this.gateway.complete({
          key,
          model,
          system: JUDGE_SYSTEM,
          messages: [{ role: 'user', content: `ASSERTION:\n${assertion}\n\nREPLY:\n${reply}` }],
          temperature: 0,
          maxTokens: 300,
          signal,
        });
        usage.add(answer);
        return parseVerdict(answer.text);
      });
      return value;
    };
  }

  /**
   * Tries `call` up to RUN_MODEL_ATTEMPTS times while it fails with a retryable ModelCallError,
   * waiting RUN_RETRY_DELAY_MS, then twice that, … (with jitter) in between.
   */
  private async withRetries<T>(
    signal: AbortSignal,
    usage: Usage,
    call: () => Promise<T>,
  ): Promise<{ value: T; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      usage.attempts++;
      try {
        return { value: await call(), attempts: attempt };
      } catch (error) {
        const retryable = error instanceof ModelCallError && error.retryable;
        if (!retryable || attempt >= this.config.RUN_MODEL_ATTEMPTS || signal.aborted) throw error;
        const delay = this.config.RUN_RETRY_DELAY_MS * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
        await sleep(delay, undefined, { signal });
      }
    }
  }

  private async checkCancelled(scope: DbScope, run: RunRow, cancelled: AbortSignal): Promise<void> {
    const status = cancelled.aborted
      ? null
      : await this.db.run(scope, () => this.repository.runStatus(run.orgId, run.id));
    if (cancelled.aborted || status === null || status === EvaluationRunStatus.CANCELLED) throw new Cancelled();
  }

  private abortRun(runId: string): void {
    for (const controller of this.playing.get(runId) ?? []) controller.abort(new Cancelled('The run was cancelled'));
  }
}

/** An error the scenario records as its outcome (not worth another try of the job). */
class ExpectedError extends Error {}

/** Errors that are the scenario's outcome: model calls, judges, keys that became unusable, a deleted scenario. */
function isExpected(error: unknown): boolean {
  // AppException: resolveForUse refused the key (deleted, deactivated since the run started).
  return error instanceof ModelCallError || error instanceof ExpectedError || error instanceof AppException;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function ruleJson(rule: PlayExpectation): Record<string, unknown> {
  if (rule.type === ExpectationType.REGEX) return { pattern: rule.pattern, caseSensitive: rule.caseSensitive };
  if (rule.type === ExpectationType.SEMANTIC_ASSERT) return { assertion: rule.assertion };
  return { values: rule.values, caseSensitive: rule.caseSensitive };
}
