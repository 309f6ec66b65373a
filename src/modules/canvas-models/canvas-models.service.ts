import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import {
  CANVAS_MODEL_ORDER,
  CANVAS_MODEL_VERSION_ORDER,
  CanvasModelsRepository,
  type CanvasModelChanges,
  type CanvasModelRow,
} from './canvas-models.repository';
import {
  toCanvasModelResponse,
  toCanvasModelVersionResponse,
  type CanvasModelResponseDto,
  type CanvasModelVersionResponseDto,
  type CreateCanvasModelDto,
  type ListCanvasModelsQueryDto,
  type UpdateCanvasModelDto,
} from './dto/canvas-model.dto';
import { checkSchema } from './json-schema';

const MODEL = 'Canvas model';

/**
 * Canvas templates (seed 004): a JSON Schema (2020-12) that canvases follow. The schema is
 * edited freely; publish freezes it as the next immutable version, which canvases point at.
 * Delete is soft (restore undoes it); a deleted model is read-only until restored.
 */
@Injectable()
export class CanvasModelsService {
  constructor(
    private readonly repository: CanvasModelsRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreateCanvasModelDto): Promise<CanvasModelResponseDto> {
    checkSchema(dto.schema);
    await this.features.assertCanAdd(orgId, 'canvasModels');
    return toCanvasModelResponse(await this.repository.create(orgId, dto, this.userId()));
  }

  list(orgId: string, query: ListCanvasModelsQueryDto): Promise<Page<CanvasModelResponseDto>> {
    return paginate(
      query,
      CANVAS_MODEL_ORDER,
      (page) => this.repository.list(orgId, { ...page, deleted: query.deleted ?? false }),
      toCanvasModelResponse,
    );
  }

  async get(orgId: string, id: string): Promise<CanvasModelResponseDto> {
    return toCanvasModelResponse(await this.find(orgId, id));
  }

  async update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    dto: UpdateCanvasModelDto,
  ): Promise<CanvasModelResponseDto> {
    if (dto.schema !== undefined) checkSchema(dto.schema);
    return toCanvasModelResponse(await this.write(orgId, id, expected, { deleted: false }, { ...dto }));
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    await this.write(
      orgId,
      id,
      expected,
      { deleted: false, action: 'canvas_model.deleted' },
      { deletedAt: new Date() },
    );
  }

  async restore(orgId: string, id: string, expected: ExpectedVersion): Promise<CanvasModelResponseDto> {
    // 404 for a model that is not in the bin before any plan check, so a limit hides nothing.
    if ((await this.find(orgId, id)).deletedAt === null) throw AppException.notFound(`Deleted ${MODEL.toLowerCase()}`);
    await this.features.assertCanAdd(orgId, 'canvasModels');
    const options = { deleted: true, action: 'canvas_model.restored' };
    return toCanvasModelResponse(await this.write(orgId, id, expected, options, { deletedAt: null }));
  }

  /** Freezes the current schema as the next version (1, 2, …); the model records when. */
  async publish(orgId: string, id: string, expected: ExpectedVersion): Promise<CanvasModelResponseDto> {
    const options = { deleted: false, action: 'canvas_model.published' };
    const model = await this.write(orgId, id, expected, options, { isPublished: true, publishedAt: new Date() });
    // The row is locked by the write above until the transaction ends: no concurrent publish.
    const next = (await this.repository.latestVersion(orgId, id)) + 1;
    await this.repository.createVersion(model, next, this.userId());
    return toCanvasModelResponse(model);
  }

  async listVersions(orgId: string, id: string, query: PageQueryDto): Promise<Page<CanvasModelVersionResponseDto>> {
    return paginateChildren(
      query,
      CANVAS_MODEL_VERSION_ORDER,
      () => this.find(orgId, id),
      (page) => this.repository.listVersions(orgId, id, page),
      toCanvasModelVersionResponse,
    );
  }

  private async write(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    options: { deleted: boolean; action?: string },
    changes: CanvasModelChanges,
  ): Promise<CanvasModelRow> {
    const row = await this.repository.update(orgId, id, expected, options, changes);
    return orNotFound(row, options.deleted ? `Deleted ${MODEL.toLowerCase()}` : MODEL);
  }

  private async find(orgId: string, id: string): Promise<CanvasModelRow> {
    return orNotFound(await this.repository.findById(orgId, id), MODEL);
  }

  private userId(): string | null {
    return this.context.userId ?? null;
  }
}
