import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import type {
  CreateSuiteDto,
  ListSuitesQueryDto,
  SuiteResponseDto,
  SuiteSummaryDto,
  UpdateSuiteDto,
} from './dto/scenario-suite.dto';
import { ScenarioSuitesRepository, SUITE_ORDER, type SuiteListRow, type SuiteRow } from './scenario-suites.repository';

/** Ordered sets of scenarios of an organization, run together (seed 000). */
@Injectable()
export class ScenarioSuitesService {
  constructor(
    private readonly repository: ScenarioSuitesRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreateSuiteDto): Promise<SuiteResponseDto> {
    await this.features.assertCanAdd(orgId, 'scenarioSuites');
    return toSuiteResponse(await this.repository.create(orgId, dto, this.context.userId ?? null));
  }

  list(orgId: string, query: ListSuitesQueryDto): Promise<Page<SuiteSummaryDto>> {
    return paginate(
      query,
      SUITE_ORDER,
      (page) => this.repository.list(orgId, { ...page, tag: query.tag, search: query.q }),
      toSuiteSummary,
    );
  }

  async get(orgId: string, id: string): Promise<SuiteResponseDto> {
    return toSuiteResponse(orNotFound(await this.repository.findById(orgId, id), 'Scenario suite'));
  }

  async update(orgId: string, id: string, dto: UpdateSuiteDto): Promise<SuiteResponseDto> {
    return toSuiteResponse(orNotFound(await this.repository.update(orgId, id, dto), 'Scenario suite'));
  }

  async remove(orgId: string, id: string): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id), 'Scenario suite');
  }

  /**
   * Replaces the suite's scenarios, in order. Ids that are no scenario of this org (unknown, or
   * another org's: the same answer) are a 404 naming each; nothing is changed then.
   */
  async setItems(orgId: string, id: string, scenarioIds: string[]): Promise<SuiteResponseDto> {
    orNotFound(await this.repository.findById(orgId, id), 'Scenario suite');
    const found = await this.repository.lockScenarios(orgId, scenarioIds);
    const missing = scenarioIds.flatMap((scenarioId, i) => (found.has(scenarioId) ? [] : [{ scenarioId, i }]));
    if (missing.length > 0)
      throw new AppException(
        'NOT_FOUND',
        `No scenario with id ${missing.map((m) => m.scenarioId).join(', ')} in this organization`,
        missing.map(({ i }) => ({
          field: `scenarioIds.${i}`,
          messages: ['no scenario with this id in the organization'],
        })),
      );
    return toSuiteResponse(orNotFound(await this.repository.replaceItems(orgId, id, scenarioIds), 'Scenario suite'));
  }
}

function summary(row: Omit<SuiteRow, 'items'>, itemCount: number): SuiteSummaryDto {
  const { id, orgId, name, description, tags, createdByUserId, createdAt, updatedAt } = row;
  return { id, orgId, name, description, tags, itemCount, createdByUserId, createdAt, updatedAt };
}

function toSuiteSummary(row: SuiteListRow): SuiteSummaryDto {
  return summary(row, row._count.items);
}

function toSuiteResponse(row: SuiteRow): SuiteResponseDto {
  const items = row.items.map((item) => ({ scenarioId: item.scenarioId, ...item.scenario }));
  return { ...summary(row, items.length), items };
}
