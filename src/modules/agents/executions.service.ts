import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { JobsService } from '../../jobs/jobs.service';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import { assertInputMatches } from './agent-input';
import { AgentsService } from './agents.service';
import {
  toExecutionResponse,
  type ExecutionResponseDto,
  type ListExecutionsQueryDto,
  type StartExecutionDto,
} from './dto/execution.dto';
import { EXECUTION_ORDER, ExecutionsRepository } from './executions.repository';

/** The pg-boss queue of executions: one job per execution, its id the execution's. */
export const EXECUTION_QUEUE = 'agent-execution';

export interface ExecutionJob {
  orgId: string;
  /** Who started it: the scope the job runs in (a personal provider key is theirs). */
  userId: string | null;
  executionId: string;
}

/**
 * Executions of agents: started here (input checked, PENDING, queued once the request commits),
 * run by ExecutionsRunner in the background, cancelled here.
 */
@Injectable()
export class ExecutionsService {
  constructor(
    private readonly repository: ExecutionsRepository,
    private readonly agents: AgentsService,
    private readonly providerKeys: ProviderKeysService,
    private readonly features: FeatureRegistry,
    private readonly jobs: JobsService,
    private readonly context: RequestContext,
  ) {}

  /**
   * 404 for a deleted agent (as for a missing one), 409 AGENT_INACTIVE for a switched-off one,
   * 422 INPUT_INVALID for input that breaks its schema; the provider key must still be one the
   * caller may use (another member's personal key: 404).
   */
  async start(orgId: string, agentId: string, dto: StartExecutionDto): Promise<ExecutionResponseDto> {
    const agent = await this.agents.find(orgId, agentId);
    if (agent.deletedAt !== null) throw AppException.notFound('Agent');
    if (!agent.isActive) throw new AppException('AGENT_INACTIVE', `The agent ${agent.name} is inactive`);
    assertInputMatches(agent.config.inputSchema, dto.input);
    await this.providerKeys.resolveForUse(orgId, agent.config.providerKeyId);
    await this.features.assertCanAdd(orgId, 'activeExecutions');
    const userId = this.context.userId ?? null;
    const execution = await this.repository.create(orgId, {
      agentId: agent.id,
      agentVersion: agent.configVersion,
      input: dto.input,
      model: agent.config.model,
      triggeredByUserId: userId,
    });
    // Queued once the request commits (JobsService waits for it); the sweep queues what a crash lost.
    const job: ExecutionJob = { orgId, userId, executionId: execution.id };
    await this.jobs.send(EXECUTION_QUEUE, job, { id: execution.id });
    return toExecutionResponse(execution);
  }

  list(orgId: string, query: ListExecutionsQueryDto): Promise<Page<ExecutionResponseDto>> {
    return paginate(
      query,
      EXECUTION_ORDER,
      (page) =>
        this.repository.list(orgId, {
          ...page,
          agentId: query.agentId?.toLowerCase(),
          status: query.status,
          from: query.from ? new Date(query.from) : undefined,
          to: query.to ? new Date(query.to) : undefined,
        }),
      toExecutionResponse,
    );
  }

  async get(orgId: string, id: string): Promise<ExecutionResponseDto> {
    return toExecutionResponse(orNotFound(await this.repository.findById(orgId, id), 'Execution'));
  }

  /** Cancels a pending or running execution (its model call is aborted); 409 when it has finished. */
  async cancel(orgId: string, id: string): Promise<ExecutionResponseDto> {
    const result = orNotFound(await this.repository.cancel(orgId, id, this.context.userId ?? null), 'Execution');
    if (!result.cancelled)
      throw new AppException('EXECUTION_FINISHED', `The execution has finished (${result.execution.status})`);
    return toExecutionResponse(result.execution);
  }
}
