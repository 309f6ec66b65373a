import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { AGENTS } from './agents.controller';
import { ExecutionResponseDto, ListExecutionsQueryDto, StartExecutionDto } from './dto/execution.dto';
import { ExecutionsService } from './executions.service';

const LOCATION = { Location: { description: 'The execution', schema: { type: 'string' } } };

@ApiTag(
  'executions',
  "Executions of agents: the input goes to the agent's model in the background; poll for the output, tokens and cost.",
)
@Controller('v1/orgs/:orgId')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsService) {}

  /** Execute an agent on an input in the background (PENDING); poll the execution for its outcome. */
  @Post('agents/:agentId/executions')
  @HttpCode(202)
  @Authenticated({ ...AGENTS, role: 'EDITOR' })
  @ApiAcceptedResponse({ type: ExecutionResponseDto, headers: LOCATION })
  @ApiConflictResponse({ description: 'AGENT_INACTIVE: the agent is switched off (isActive false)' })
  @ApiProblem('INPUT_INVALID', "the input breaks the agent's input schema; `errors` names each failing path")
  @ApiProblem('PLAN_LIMIT_REACHED', 'the plan allows no more executions pending or running at once')
  @ApiProblem('PROVIDER_KEY_UNUSABLE', "the agent's provider key is deactivated or cannot be used")
  @ApiOperation({ operationId: 'startExecution' })
  async start(
    @OrgId() orgId: string,
    @Param('agentId', UuidParamPipe) agentId: string,
    @Body() dto: StartExecutionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExecutionResponseDto> {
    const execution = await this.executions.start(orgId, agentId, dto);
    reply.header('Location', `/v1/orgs/${orgId}/executions/${execution.id}`);
    return execution;
  }

  /** List executions, newest first, by agent, status and creation time. */
  @Get('executions')
  @Authenticated({ ...AGENTS, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(ExecutionResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListExecutionsQueryDto) {
    return this.executions.list(orgId, query);
  }

  /** An execution: status, input, output or error, tokens, cost and duration. */
  @Get('executions/:executionId')
  @Authenticated({ ...AGENTS, role: 'VIEWER' })
  @ApiOkResponse({ type: ExecutionResponseDto })
  get(@OrgId() orgId: string, @Param('executionId', UuidParamPipe) id: string): Promise<ExecutionResponseDto> {
    return this.executions.get(orgId, id);
  }

  /** Cancel a pending or running execution; its model call is aborted at once. */
  @Post('executions/:executionId/cancel')
  @HttpCode(200)
  @Authenticated({ ...AGENTS, role: 'EDITOR' })
  @ApiOkResponse({ type: ExecutionResponseDto })
  @ApiConflictResponse({ description: 'EXECUTION_FINISHED: the execution has finished' })
  @ApiOperation({ operationId: 'cancelExecution' })
  cancel(@OrgId() orgId: string, @Param('executionId', UuidParamPipe) id: string): Promise<ExecutionResponseDto> {
    return this.executions.cancel(orgId, id);
  }
}
