import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { RequestContext } from '../../common/tenancy/request-context';
import { AppException } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import type { Variable } from '../../generated/prisma/client';
import type {
  CreateVariableDto,
  ListVariablesQueryDto,
  UpdateVariableDto,
  VariableResponseDto,
} from './dto/variable.dto';
import { VariablesRepository } from './variables.repository';

/**
 * Org-scoped key/value pairs (seed 000). The pattern every tenant module follows: the
 * controller passes orgId, the service applies the rules and audits, the repository filters by org.
 */
@Injectable()
export class VariablesService {
  constructor(
    private readonly repository: VariablesRepository,
    private readonly audit: AuditService,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreateVariableDto): Promise<VariableResponseDto> {
    await this.features.assertCanAdd(orgId, 'variables');
    const variable = await this.repository.create(orgId, dto, this.context.userId ?? null);
    await this.audit.record({
      action: 'variable.created',
      resourceType: 'variable',
      resourceId: variable.id,
      after: variable,
    });
    return toResponse(variable);
  }

  async list(orgId: string, query: ListVariablesQueryDto): Promise<Page<VariableResponseDto>> {
    const after = decodeCursor(query.cursor, { key: 'string' });
    const rows = await this.repository.list(orgId, { limit: query.limit + 1, afterKey: after?.key, search: query.q });
    return toPage(rows, query.limit, toResponse, (row) => ({ key: row.key }));
  }

  async get(orgId: string, id: string): Promise<VariableResponseDto> {
    return toResponse(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, dto: UpdateVariableDto): Promise<VariableResponseDto> {
    const before = await this.find(orgId, id);
    const after = await this.repository.update(orgId, id, dto);
    await this.audit.record({ action: 'variable.updated', resourceType: 'variable', resourceId: id, before, after });
    return toResponse(after);
  }

  async remove(orgId: string, id: string): Promise<void> {
    const before = await this.find(orgId, id);
    await this.repository.delete(orgId, id);
    await this.audit.record({ action: 'variable.deleted', resourceType: 'variable', resourceId: id, before });
  }

  private async find(orgId: string, id: string): Promise<Variable> {
    const variable = await this.repository.findById(orgId, id);
    if (!variable) throw AppException.notFound('Variable');
    return variable;
  }
}

function toResponse(variable: Variable): VariableResponseDto {
  const { id, orgId, key, value, description, createdByUserId, createdAt, updatedAt } = variable;
  return { id, orgId, key, value, description, createdByUserId, createdAt, updatedAt };
}
