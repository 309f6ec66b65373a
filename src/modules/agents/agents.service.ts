import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { ProviderKeysService } from '../provider-keys/provider-keys.service';
import { toAgentConfig } from './agent-input';
import {
  AGENT_ORDER,
  AGENT_VERSION_ORDER,
  AgentsRepository,
  type AgentChanges,
  type AgentConfig,
  type AgentRow,
} from './agents.repository';
import {
  toAgentResponse,
  toAgentVersionResponse,
  type AgentResponseDto,
  type AgentVersionResponseDto,
  type CreateAgentDto,
  type ListAgentsQueryDto,
  type UpdateAgentDto,
} from './dto/agent.dto';

const AGENT = 'Agent';

/**
 * Agents (seed 004): a model, a provider key, a system prompt and an optional input schema,
 * executed in the background (ExecutionsService). Every config change is a new immutable
 * version; delete is soft (restore undoes it) and a deleted agent is read-only until restored.
 */
@Injectable()
export class AgentsService {
  constructor(
    private readonly repository: AgentsRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly providerKeys: ProviderKeysService,
  ) {}

  async create(orgId: string, dto: CreateAgentDto): Promise<AgentResponseDto> {
    const config = await this.checkedConfig(orgId, dto.config);
    await this.features.assertCanAdd(orgId, 'agents');
    const { name, type, description, isActive } = dto;
    const row = await this.repository.create(
      orgId,
      { name, agentType: type, description, config, isActive },
      this.userId(),
    );
    return toAgentResponse(row);
  }

  list(orgId: string, query: ListAgentsQueryDto): Promise<Page<AgentResponseDto>> {
    return paginate(
      query,
      AGENT_ORDER,
      (page) => this.repository.list(orgId, { ...page, deleted: query.deleted ?? false, agentType: query.type }),
      toAgentResponse,
    );
  }

  async get(orgId: string, id: string): Promise<AgentResponseDto> {
    return toAgentResponse(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, expected: ExpectedVersion, dto: UpdateAgentDto): Promise<AgentResponseDto> {
    const { type, config, ...rest } = dto;
    const changes: AgentChanges = { ...rest, agentType: type };
    if (config) changes.config = await this.checkedConfig(orgId, config);
    return toAgentResponse(await this.write(orgId, id, expected, { deleted: false }, changes));
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    await this.write(orgId, id, expected, { deleted: false, action: 'agent.deleted' }, { deletedAt: new Date() });
  }

  async restore(orgId: string, id: string, expected: ExpectedVersion): Promise<AgentResponseDto> {
    // 404 for an agent that is not in the bin before any plan check, so a limit hides nothing.
    if ((await this.find(orgId, id)).deletedAt === null) throw AppException.notFound(`Deleted ${AGENT.toLowerCase()}`);
    await this.features.assertCanAdd(orgId, 'agents');
    const options = { deleted: true, action: 'agent.restored' };
    return toAgentResponse(await this.write(orgId, id, expected, options, { deletedAt: null }));
  }

  async listVersions(orgId: string, id: string, query: PageQueryDto): Promise<Page<AgentVersionResponseDto>> {
    return paginateChildren(
      query,
      AGENT_VERSION_ORDER,
      () => this.find(orgId, id),
      (page) => this.repository.listVersions(orgId, id, page),
      toAgentVersionResponse,
    );
  }

  async getVersion(orgId: string, id: string, version: number): Promise<AgentVersionResponseDto> {
    await this.find(orgId, id);
    return toAgentVersionResponse(orNotFound(await this.repository.findVersion(orgId, id, version), 'Agent version'));
  }

  /** The agent, live or soft-deleted (404 when there is none in the org). */
  async find(orgId: string, id: string): Promise<AgentRow> {
    return orNotFound(await this.repository.findById(orgId, id), AGENT);
  }

  /**
   * The config as stored, once its input schema compiles and its provider key is one the caller
   * may use (404 for another org's key or another member's personal key; 422 when unusable).
   */
  private async checkedConfig(orgId: string, dto: CreateAgentDto['config']): Promise<AgentConfig> {
    const config = toAgentConfig(dto);
    await this.providerKeys.resolveForUse(orgId, config.providerKeyId);
    return config;
  }

  private async write(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    options: { deleted: boolean; action?: string },
    changes: AgentChanges,
  ): Promise<AgentRow> {
    const row = await this.repository.update(orgId, id, expected, options, changes, this.userId());
    return orNotFound(row, options.deleted ? `Deleted ${AGENT.toLowerCase()}` : AGENT);
  }

  private userId(): string | null {
    return this.context.userId ?? null;
  }
}
