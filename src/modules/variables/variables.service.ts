import { Injectable } from '@nestjs/common';
import { orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import {
  toVariableResponse,
  type CreateVariableDto,
  type ListVariablesQueryDto,
  type UpdateVariableDto,
  type VariableResponseDto,
} from './dto/variable.dto';
import { VARIABLE_ORDER, VariablesRepository } from './variables.repository';

/**
 * Org-scoped key/value pairs (seed 000), the module every tenant module copies: the controller
 * passes orgId, the service applies the rules (plan limit, 404), the repository filters by org,
 * checks the version and writes the audit entry.
 */
@Injectable()
export class VariablesService {
  constructor(
    private readonly repository: VariablesRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreateVariableDto): Promise<VariableResponseDto> {
    await this.features.assertCanAdd(orgId, 'variables');
    return toVariableResponse(await this.repository.create(orgId, dto, this.context.userId ?? null));
  }

  list(orgId: string, query: ListVariablesQueryDto): Promise<Page<VariableResponseDto>> {
    return paginate(
      query,
      VARIABLE_ORDER,
      (page) => this.repository.list(orgId, { ...page, search: query.q }),
      toVariableResponse,
    );
  }

  async get(orgId: string, id: string): Promise<VariableResponseDto> {
    return toVariableResponse(orNotFound(await this.repository.findById(orgId, id), 'Variable'));
  }

  async update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    dto: UpdateVariableDto,
  ): Promise<VariableResponseDto> {
    return toVariableResponse(orNotFound(await this.repository.update(orgId, id, expected, dto), 'Variable'));
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id, expected), 'Variable');
  }
}
