import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { DbContext } from '../../database/db-context';
import { EvaluationRunStatus } from '../../generated/prisma/enums';
import { JobsService } from '../../jobs/jobs.service';
import type { UsableProviderKey } from '../llm/model-gateway';
import { PromptsService, requestVariables } from '../prompts/prompts.service';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import {
  toRunDetailResponse,
  toRunResponse,
  type ListRunsQueryDto,
  type RunDetailResponseDto,
  type RunResponseDto,
  type StartRunDto,
} from './dto/run.dto';
import {
  isFinished,
  RUN_ORDER,
  RunsRepository,
  type NewResult,
  type ResultRow,
  type RunRow,
  type ScenarioTarget,
  type TranscriptEntry,
} from './runs.repository';

/** The queue of scenario plays: one job per (run, scenario), its id the result's id. */
export const RUN_SCENARIO_QUEUE = 'run-scenario';

export interface RunScenarioJob {
  orgId: string;
  userId: string | null;
  runId: string;
  resultId: string;
}

/** What a run plays against: one of them. */
export type RunTarget = { scenarioId: string } | { suiteId: string };

/** A settled run's settings, for a rerun. */
type RunSettings = Pick<
  RunRow,
  'providerKeyId' | 'model' | 'promptId' | 'promptVersion' | 'judgeProviderKeyId' | 'judgeModel' | 'variables'
>;

/**
 * Evaluation runs (seed 000): a scenario or a suite played against a model with a prompt, in the
 * background (RunsRunner plays each scenario as a job). Everything a run needs is checked when
 * it starts, in the request: the target, the keys (a personal key only for its owner), the model,
 * the prompt rendered with its variables, a judge where an expectation needs one.
 */
@Injectable()
export class RunsService {
  constructor(
    private readonly repository: RunsRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly providerKeys: ProviderKeysService,
    private readonly prompts: PromptsService,
    private readonly jobs: JobsService,
    private readonly db: DbContext,
  ) {}

  async start(orgId: string, target: RunTarget, dto: StartRunDto): Promise<RunResponseDto> {
    requestVariables(dto.variables); // stored with the run even without a prompt: strings only
    const scenarios =
      'scenarioId' in target
        ? [orNotFound(await this.repository.scenarioTarget(orgId, target.scenarioId), 'Scenario')]
        : orNotFound(await this.repository.suiteTargets(orgId, target.suiteId), 'Scenario suite');
    if (scenarios.length === 0) throw unprocessable('suite', 'The suite has no scenarios: add some first');
    const system = dto.promptId ? await this.renderPrompt(orgId, dto) : null;
    const settings = {
      providerKeyId: dto.providerKeyId,
      model: dto.model ?? null,
      promptId: dto.promptId ?? null,
      promptVersion: system?.version ?? null,
      judgeProviderKeyId: dto.judge?.providerKeyId ?? null,
      judgeModel: dto.judge?.model ?? null,
      variables: dto.variables ?? null,
    };
    return this.create(orgId, target, scenarios, settings, system?.text ?? null, null);
  }

  list(orgId: string, query: ListRunsQueryDto): Promise<Page<RunResponseDto>> {
    return paginate(
      query,
      RUN_ORDER,
      (page) =>
        this.repository.list(orgId, {
          ...page,
          status: query.status,
          scenarioId: query.scenarioId?.toLowerCase(),
          suiteId: query.suiteId?.toLowerCase(),
        }),
      toRunResponse,
    );
  }

  async get(orgId: string, id: string): Promise<RunDetailResponseDto> {
    return toRunDetailResponse(orNotFound(await this.repository.findRunWithResults(orgId, id), 'Run'));
  }

  /** Cancels a queued or running run: 409 when it has finished. The scenario being played stops. */
  async cancel(orgId: string, id: string): Promise<RunResponseDto> {
    const { run, cancelled } = orNotFound(await this.repository.cancel(orgId, id), 'Run');
    if (!cancelled) throw new AppException('RUN_FINISHED', `The run has finished (${run.status})`);
    return toRunResponse(run);
  }

  /**
   * A new run of the same scenarios with the same settings (the prompt as played then), or of
   * the scenarios that failed or errored only. The run must have finished.
   */
  async rerun(orgId: string, id: string, onlyFailed: boolean): Promise<RunResponseDto> {
    const run = orNotFound(await this.repository.findRun(orgId, id), 'Run');
    if (!isFinished(run.status))
      throw new AppException('RUN_NOT_FINISHED', 'The run has not finished: cancel it or wait');
    const failed: string[] = [EvaluationRunStatus.FAILED, EvaluationRunStatus.ERROR];
    const results = (await this.repository.findResults(orgId, id)).filter(
      (result) => !onlyFailed || failed.includes(result.status),
    );
    if (results.length === 0) throw unprocessable('only', 'No scenario of the run failed or errored');
    const scenarios = await this.repository.scenarioTargets(
      orgId,
      results.map((result) => result.scenarioId),
    );
    if (scenarios.length === 0) throw unprocessable('scenarios', 'The scenarios of the run were deleted');
    const target = run.scenarioId ? { scenarioId: run.scenarioId } : { suiteId: run.suiteId! };
    if (!run.providerKeyId) throw unprocessable('providerKeyId', 'The run has no provider key to run with');
    const settings = { ...run, variables: run.variables as Record<string, string> | null };
    return this.create(orgId, target, scenarios, settings, systemOf(results[0]!), run.id);
  }

  /** The run as the events stream reports it, in a short scope of its own (no request transaction). */
  snapshot(orgId: string, userId: string | undefined, id: string): Promise<RunRow | null> {
    return this.db.run({ orgId, userId }, () => this.repository.findRun(orgId, id));
  }

  private async create(
    orgId: string,
    target: RunTarget,
    scenarios: ScenarioTarget[],
    settings: Omit<RunSettings, 'variables' | 'model' | 'providerKeyId'> & {
      providerKeyId: string | null;
      model: string | null;
      variables: Record<string, string> | null;
    },
    system: string | null,
    rerunOfId: string | null,
  ): Promise<RunResponseDto> {
    const empty = scenarios.find((scenario) => scenario.turnCount === 0);
    if (empty) throw unprocessable('scenarioId', `The scenario ${empty.name} has no turns to play`);
    const key = await this.providerKeys.resolveForUse(orgId, settings.providerKeyId!);
    const model = modelOf(settings.model, key, 'model');
    let judgeModel: string | null = null;
    if (settings.judgeProviderKeyId) {
      const judge = await this.providerKeys.resolveForUse(orgId, settings.judgeProviderKeyId);
      judgeModel = modelOf(settings.judgeModel, judge, 'judge.model');
    } else if (scenarios.some((scenario) => scenario.needsJudge)) {
      throw unprocessable('judge', 'A scenario has SEMANTIC_ASSERT expectations: give a judge {providerKeyId, model}');
    }
    await this.features.assertCanAdd(orgId, 'activeRuns');
    const transcript: TranscriptEntry[] = system ? [{ turnIndex: null, role: 'system', text: system }] : [];
    const results: NewResult[] = scenarios.map((scenario) => ({
      scenarioId: scenario.id,
      scenarioName: scenario.name,
      scenarioVersion: scenario.version,
      transcript,
    }));
    const run = await this.repository.createRun(
      orgId,
      {
        scenarioId: 'scenarioId' in target ? target.scenarioId : null,
        suiteId: 'suiteId' in target ? target.suiteId : null,
        providerKeyId: key.id,
        provider: key.provider,
        model,
        promptId: settings.promptId,
        promptVersion: settings.promptVersion,
        judgeProviderKeyId: settings.judgeProviderKeyId,
        judgeModel,
        variables: settings.variables,
        rerunOfId,
        triggeredByUserId: this.context.userId ?? null,
      },
      results,
    );
    const userId = this.context.userId ?? null;
    // Queued once the run commits (JobsService waits for it); the sweep queues what a crash lost.
    for (const result of run.results) {
      const job: RunScenarioJob = { orgId, userId, runId: run.id, resultId: result.id };
      await this.jobs.send(RUN_SCENARIO_QUEUE, job, { id: result.id });
    }
    return toRunResponse(run);
  }

  private async renderPrompt(orgId: string, dto: StartRunDto): Promise<{ text: string; version: number }> {
    const rendered = await this.prompts.render(orgId, dto.promptId!, {
      variables: dto.variables,
      label: dto.label,
      version: dto.version,
    });
    // A CHAT prompt's system messages are the system prompt; the other roles are not played.
    const text = rendered.messages
      ? rendered.messages
          .filter((message) => message.role === 'system')
          .map((message) => message.content)
          .join('\n\n')
      : rendered.text;
    return { text, version: rendered.version };
  }
}

function modelOf(model: string | null, key: UsableProviderKey, field: string): string {
  const chosen = model ?? key.defaultModel;
  if (!chosen) throw unprocessable(field, 'Name a model: the provider key has no default model');
  return chosen;
}

function systemOf(result: ResultRow): string | null {
  const first = (result.transcript as unknown as TranscriptEntry[])[0];
  return first?.role === 'system' ? first.text : null;
}

function unprocessable(field: string, detail: string): AppException {
  return new AppException('RUN_NOT_STARTABLE', detail, [{ field, messages: [detail] }]);
}
