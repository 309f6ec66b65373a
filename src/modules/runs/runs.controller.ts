import { Readable } from 'node:stream';
import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { ListRunsQueryDto, RerunQueryDto, RunDetailResponseDto, RunResponseDto, StartRunDto } from './dto/run.dto';
import { RunsEvents } from './runs.events';
import { RunsService } from './runs.service';

const RUNS = { tenant: true, scope: 'runs' } as const;
const LOCATION = { Location: { description: 'The run', schema: { type: 'string' } } };

@ApiTag(
  'runs',
  'Evaluation runs: scenarios or suites played against a model in the background, with per-expectation results.',
)
@Controller('v1/orgs/:orgId')
export class RunsController {
  constructor(
    private readonly runs: RunsService,
    private readonly events: RunsEvents,
  ) {}

  /** Play a scenario against a model in the background; poll the run or follow its events. */
  @Post('scenarios/:scenarioId/runs')
  @HttpCode(202)
  @Authenticated({ ...RUNS, role: 'EDITOR' })
  @ApiAcceptedResponse({ type: RunResponseDto, headers: LOCATION })
  @ApiProblem('RUN_NOT_STARTABLE', 'no model, a SEMANTIC_ASSERT without a judge, a scenario without turns')
  @ApiProblem('MISSING_VARIABLE', 'a placeholder of the prompt has no value; `errors` names each')
  @ApiOperation({ operationId: 'startScenarioRun' })
  async startScenario(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) scenarioId: string,
    @Body() dto: StartRunDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RunResponseDto> {
    return located(reply, orgId, await this.runs.start(orgId, { scenarioId }, dto));
  }

  /** Play every scenario of a suite, in its order, in the background. */
  @Post('scenario-suites/:suiteId/runs')
  @HttpCode(202)
  @Authenticated({ ...RUNS, role: 'EDITOR' })
  @ApiAcceptedResponse({ type: RunResponseDto, headers: LOCATION })
  @ApiProblem('RUN_NOT_STARTABLE', 'an empty suite, no model, a SEMANTIC_ASSERT without a judge')
  @ApiProblem('MISSING_VARIABLE', 'a placeholder of the prompt has no value; `errors` names each')
  @ApiOperation({ operationId: 'startSuiteRun' })
  async startSuite(
    @OrgId() orgId: string,
    @Param('suiteId', UuidParamPipe) suiteId: string,
    @Body() dto: StartRunDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RunResponseDto> {
    return located(reply, orgId, await this.runs.start(orgId, { suiteId }, dto));
  }

  /** List runs, newest first. */
  @Get('runs')
  @Authenticated({ ...RUNS, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(RunResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListRunsQueryDto) {
    return this.runs.list(orgId, query);
  }

  /** A run with its progress, each scenario's transcript and each expectation's verdict. */
  @Get('runs/:runId')
  @Authenticated({ ...RUNS, role: 'VIEWER' })
  @ApiOkResponse({ type: RunDetailResponseDto })
  get(@OrgId() orgId: string, @Param('runId', UuidParamPipe) id: string): Promise<RunDetailResponseDto> {
    return this.runs.get(orgId, id);
  }

  /** Cancel a queued or running run; the scenario being played stops at once. */
  @Post('runs/:runId/cancel')
  @HttpCode(200)
  @Authenticated({ ...RUNS, role: 'EDITOR' })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiConflictResponse({ description: 'RUN_FINISHED: the run has finished' })
  @ApiOperation({ operationId: 'cancelRun' })
  cancel(@OrgId() orgId: string, @Param('runId', UuidParamPipe) id: string): Promise<RunResponseDto> {
    return this.runs.cancel(orgId, id);
  }

  /** Run a finished run's scenarios again with its settings (`?only=failed`: those that failed or errored). */
  @Post('runs/:runId/rerun')
  @HttpCode(202)
  @Authenticated({ ...RUNS, role: 'EDITOR' })
  @ApiAcceptedResponse({ type: RunResponseDto, headers: LOCATION })
  @ApiConflictResponse({ description: 'RUN_NOT_FINISHED: the run is still queued or running' })
  @ApiProblem('RUN_NOT_STARTABLE', 'nothing failed, or its scenarios were deleted')
  @ApiOperation({ operationId: 'rerunRun' })
  async rerun(
    @OrgId() orgId: string,
    @Param('runId', UuidParamPipe) id: string,
    @Query() query: RerunQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RunResponseDto> {
    return located(reply, orgId, await this.runs.rerun(orgId, id, query.only === 'failed'));
  }

  /**
   * Server-sent events: `progress` (the run, as GET /runs returns it) whenever its status or
   * progress changes, then `done` with the finished run, then the stream ends.
   */
  @Get('runs/:runId/events')
  @NoRequestTransaction()
  @Authenticated({ ...RUNS, role: 'VIEWER' })
  @Header('Cache-Control', 'no-cache')
  @Header('X-Accel-Buffering', 'no')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'An event stream: `event: progress|done`, `data: <the run as JSON>`',
    schema: { type: 'string' },
  })
  @ApiOperation({ operationId: 'streamRunEvents' })
  async stream(
    @OrgId() orgId: string,
    @Param('runId', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    // The response closes when the stream ends, or when the client goes away: stop looking then.
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    const lines = await this.events.open(orgId, id, gone.signal);
    return new StreamableFile(Readable.from(lines), { type: 'text/event-stream; charset=utf-8' });
  }
}

function located(reply: FastifyReply, orgId: string, run: RunResponseDto): RunResponseDto {
  reply.header('Location', `/v1/orgs/${orgId}/runs/${run.id}`);
  return run;
}
