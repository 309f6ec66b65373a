import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Param,
  Patch,
  Post,
  Query,
  type PipeTransform,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { AppException } from '../../common/errors/app-exception';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { AgentsService } from './agents.service';
import {
  AgentResponseDto,
  AgentVersionResponseDto,
  CreateAgentDto,
  ListAgentsQueryDto,
  UpdateAgentDto,
} from './dto/agent.dto';

export const AGENTS = { tenant: true, scope: 'agents' } as const;

/** A config version in the path: a positive integer, else it names no version (404). */
@Injectable()
class AgentVersionPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const version = /^[1-9]\d{0,8}$/.test(value) ? Number(value) : NaN;
    if (Number.isNaN(version)) throw AppException.notFound('Agent version');
    return version;
  }
}

@ApiTag(
  'agents',
  'Agents: a model, a provider key, a system prompt and an input schema, executed in the background; every config change is a version.',
)
@Controller('v1/orgs/:orgId/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  /** Create an agent (config version 1); its provider key must be one you may use. */
  @Post()
  @SendsETag()
  @Authenticated({ ...AGENTS, role: 'EDITOR' })
  @ApiCreatedResponse({ type: AgentResponseDto, headers: ETAG_HEADER })
  @ApiProblem('PLAN_LIMIT_REACHED', 'the plan allows no more live agents')
  @ApiProblem('PROVIDER_KEY_UNUSABLE', 'the provider key is deactivated or cannot be used')
  create(@OrgId() orgId: string, @Body() dto: CreateAgentDto): Promise<AgentResponseDto> {
    return this.agents.create(orgId, dto);
  }

  /** List live agents (or, with `deleted=true`, the soft-deleted ones), most recently changed first. */
  @Get()
  @Authenticated({ ...AGENTS, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(AgentResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListAgentsQueryDto) {
    return this.agents.list(orgId, query);
  }

  /** An agent, live or soft-deleted (`deletedAt` says which). */
  @Get(':agentId')
  @SendsETag()
  @Authenticated({ ...AGENTS, role: 'VIEWER' })
  @ApiOkResponse({ type: AgentResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('agentId', UuidParamPipe) id: string): Promise<AgentResponseDto> {
    return this.agents.get(orgId, id);
  }

  /** Change some fields of a live agent (If-Match: its ETag); a changed config becomes the next version. */
  @Patch(':agentId')
  @SendsETag()
  @Authenticated({ ...AGENTS, role: 'EDITOR' })
  @ApiOkResponse({ type: AgentResponseDto, headers: ETAG_HEADER })
  @ApiProblem('PROVIDER_KEY_UNUSABLE', 'the provider key is deactivated or cannot be used')
  update(
    @OrgId() orgId: string,
    @Param('agentId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateAgentDto,
  ): Promise<AgentResponseDto> {
    return this.agents.update(orgId, id, expected, dto);
  }

  /** Soft-delete a live agent (If-Match); `restore` brings it back with its versions and executions. */
  @Delete(':agentId')
  @HttpCode(204)
  @Authenticated({ ...AGENTS, role: 'EDITOR' })
  @ApiNoContentResponse({ description: 'Deleted (soft)' })
  async remove(
    @OrgId() orgId: string,
    @Param('agentId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.agents.remove(orgId, id, expected);
  }

  /** Undo a soft delete (If-Match: the deleted agent's ETag); counts against the plan limit again. */
  @Post(':agentId/restore')
  @HttpCode(200)
  @SendsETag()
  @Authenticated({ ...AGENTS, role: 'EDITOR' })
  @ApiOkResponse({ type: AgentResponseDto, headers: ETAG_HEADER })
  @ApiProblem('PLAN_LIMIT_REACHED', 'the plan allows no more live agents')
  restoreAgent(
    @OrgId() orgId: string,
    @Param('agentId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<AgentResponseDto> {
    return this.agents.restore(orgId, id, expected);
  }

  /** The config versions, newest first. */
  @Get(':agentId/versions')
  @Authenticated({ ...AGENTS, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(AgentVersionResponseDto) })
  listAgentVersions(@OrgId() orgId: string, @Param('agentId', UuidParamPipe) id: string, @Query() query: PageQueryDto) {
    return this.agents.listVersions(orgId, id, query);
  }

  /** One config version. */
  @Get(':agentId/versions/:version')
  @Authenticated({ ...AGENTS, role: 'VIEWER' })
  @ApiParam({
    name: 'version',
    description: 'The config version number',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 999999999 },
  })
  @ApiOkResponse({ type: AgentVersionResponseDto })
  getAgentVersion(
    @OrgId() orgId: string,
    @Param('agentId', UuidParamPipe) id: string,
    @Param('version', AgentVersionPipe) version: number,
  ): Promise<AgentVersionResponseDto> {
    return this.agents.getVersion(orgId, id, version);
  }
}
