import { Injectable } from '@nestjs/common';
import { orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { ScenarioStatus } from '../../generated/prisma/enums';
import type {
  CreateScenarioDto,
  ListScenariosQueryDto,
  ScenarioEvaluationResponseDto,
  ScenarioResponseDto,
  ScenarioSummaryDto,
  ScenarioVersionResponseDto,
  UpdateScenarioDto,
} from './dto/scenario.dto';
import { checkTurns, evaluateTurns } from './scenario-turns';
import {
  SCENARIO_ORDER,
  SCENARIO_VERSION_ORDER,
  ScenariosRepository,
  turnsOf,
  type ScenarioListRow,
  type ScenarioRow,
  type ScenarioVersionRow,
} from './scenarios.repository';

/**
 * Test scenarios of an organization (seed 000): a scripted conversation of USER turns and
 * EXPECT turns whose expectations check the assistant's replies. Published changes are
 * snapshotted as versions (see ScenariosRepository); evaluate checks client-made replies.
 */
@Injectable()
export class ScenariosService {
  constructor(
    private readonly repository: ScenariosRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreateScenarioDto): Promise<ScenarioResponseDto> {
    const turns = checkTurns(dto.turns);
    await this.features.assertCanAdd(orgId, 'scenarios');
    return toScenarioResponse(await this.repository.create(orgId, { ...dto, turns }, this.userId()));
  }

  list(orgId: string, query: ListScenariosQueryDto): Promise<Page<ScenarioSummaryDto>> {
    return paginate(
      query,
      SCENARIO_ORDER,
      (page) => this.repository.list(orgId, { ...page, status: query.status, tag: query.tag, search: query.q }),
      toScenarioSummary,
    );
  }

  async get(orgId: string, id: string): Promise<ScenarioResponseDto> {
    return toScenarioResponse(await this.find(orgId, id));
  }

  /** PUT: the whole scenario; fields left out take their defaults. */
  replace(orgId: string, id: string, expected: ExpectedVersion, dto: CreateScenarioDto): Promise<ScenarioResponseDto> {
    const { name, description = null, locale = 'en', status = ScenarioStatus.DRAFT, tags = [] } = dto;
    return this.write(orgId, id, expected, { name, description, locale, status, tags, turns: checkTurns(dto.turns) });
  }

  update(orgId: string, id: string, expected: ExpectedVersion, dto: UpdateScenarioDto): Promise<ScenarioResponseDto> {
    const turns = dto.turns ? checkTurns(dto.turns) : undefined;
    return this.write(orgId, id, expected, { ...dto, turns });
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id, expected), 'Scenario');
  }

  /** Copies the current content under a new name: a new DRAFT scenario (no versions yet). */
  async duplicate(orgId: string, id: string, name: string): Promise<ScenarioResponseDto> {
    const source = await this.find(orgId, id);
    await this.features.assertCanAdd(orgId, 'scenarios');
    const { description, locale, tags } = source;
    const copy = { name, description, locale, tags, turns: turnsOf(source) };
    return toScenarioResponse(await this.repository.create(orgId, copy, this.userId()));
  }

  async listVersions(orgId: string, id: string, query: PageQueryDto): Promise<Page<ScenarioVersionResponseDto>> {
    return paginateChildren(
      query,
      SCENARIO_VERSION_ORDER,
      () => this.find(orgId, id),
      (page) => this.repository.listVersions(orgId, id, page),
      toVersionResponse,
    );
  }

  /**
   * Makes the snapshot's description, locale, tags and turns the scenario's current content, as
   * a new change (the revision moves on; a published scenario gets a new version). The name and
   * status stay: the name may be taken by now, and restoring is not publishing.
   */
  async restore(orgId: string, id: string, version: number, expected: ExpectedVersion): Promise<ScenarioResponseDto> {
    await this.find(orgId, id);
    const row = orNotFound(await this.repository.findVersion(orgId, id, version), 'Scenario version');
    const { description, locale, tags, turns } = row.snapshot;
    return this.write(orgId, id, expected, { description, locale, tags, turns }, 'scenario.restored');
  }

  async evaluate(orgId: string, id: string, replies: string[]): Promise<ScenarioEvaluationResponseDto> {
    const scenario = await this.find(orgId, id);
    return evaluateTurns({ id: scenario.id, version: scenario.version, turns: turnsOf(scenario) }, replies);
  }

  private async write(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    data: Parameters<ScenariosRepository['update']>[3],
    action?: string,
  ): Promise<ScenarioResponseDto> {
    const row = await this.repository.update(orgId, id, expected, data, this.userId(), action);
    return toScenarioResponse(orNotFound(row, 'Scenario'));
  }

  private async find(orgId: string, id: string): Promise<ScenarioRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'Scenario');
  }

  private userId(): string | null {
    return this.context.userId ?? null;
  }
}

function toScenarioSummary(row: ScenarioListRow): ScenarioSummaryDto {
  return summary(row, row._count.turns, row._count.expectations);
}

function toScenarioResponse(row: ScenarioRow): ScenarioResponseDto {
  const turns = turnsOf(row);
  const expectations = turns.reduce((sum, turn) => sum + turn.expectations.length, 0);
  return { ...summary(row, turns.length, expectations), turns };
}

function summary(row: Omit<ScenarioRow, 'turns'>, turnCount: number, expectationCount: number): ScenarioSummaryDto {
  const { id, orgId, name, description, locale, status, tags, version, createdByUserId, createdAt, updatedAt } = row;
  const counts = { turnCount, expectationCount };
  return {
    id,
    orgId,
    name,
    description,
    locale,
    status,
    tags,
    version,
    ...counts,
    createdByUserId,
    createdAt,
    updatedAt,
  };
}

function toVersionResponse(row: ScenarioVersionRow): ScenarioVersionResponseDto {
  const { scenarioId, version, snapshot, createdByUserId, createdAt } = row;
  return { scenarioId, version, snapshot, createdByUserId, createdAt };
}
