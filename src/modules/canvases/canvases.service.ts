import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import {
  assertCreatorOwnedAccess,
  creatorOf,
  ownedRowCaller,
  type OwnedRowAction,
} from '../../common/tenancy/creator-owned';
import { RequestContext } from '../../common/tenancy/request-context';
import { CanvasDataValidator } from './canvas-data';
import {
  CANVAS_ORDER,
  CANVAS_VERSION_ORDER,
  CANVASES,
  CanvasesRepository,
  type CanvasChanges,
  type CanvasData,
  type CanvasRow,
  type ModelVersionRow,
} from './canvases.repository';
import {
  toCanvasResponse,
  toCanvasVersionResponse,
  type CanvasResponseDto,
  type CanvasVersionResponseDto,
  type CreateCanvasDto,
  type ListCanvasesQueryDto,
  type UpdateCanvasDto,
} from './dto/canvas.dto';

const CANVAS = 'Canvas';

/**
 * Canvases (seed 004): content (`data`) that follows a published version of a canvas model.
 * Any member makes them; PRIVATE and LINK ones are their creator's, ORG ones every member reads
 * and EDITOR+ (besides the creator) edits; only the creator changes the visibility
 * (common/tenancy/creator-owned.ts, row-level security underneath). Every content save writes an
 * immutable version; delete is soft.
 */
@Injectable()
export class CanvasesService {
  constructor(
    private readonly repository: CanvasesRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
    private readonly validator: CanvasDataValidator,
  ) {}

  async create(orgId: string, dto: CreateCanvasDto): Promise<CanvasResponseDto> {
    const createdBy = creatorOf(this.caller());
    const model = await this.modelVersion(orgId, dto.modelId, dto.modelVersion);
    this.validator.check(model, dto.data);
    await this.features.assertCanAdd(orgId, 'canvases');
    const { name, description, data, visibility } = dto;
    const row = await this.repository.create(
      orgId,
      {
        name,
        description,
        data,
        visibility: visibility ?? 'PRIVATE',
        modelId: model.modelId,
        modelVersion: model.version,
      },
      createdBy,
    );
    return toCanvasResponse(row);
  }

  list(orgId: string, query: ListCanvasesQueryDto): Promise<Page<CanvasResponseDto>> {
    return paginate(
      query,
      CANVAS_ORDER,
      (page) => this.repository.list(orgId, this.caller(), { ...page, deleted: query.deleted ?? false }),
      toCanvasResponse,
    );
  }

  async get(orgId: string, id: string): Promise<CanvasResponseDto> {
    return toCanvasResponse(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, expected: ExpectedVersion, dto: UpdateCanvasDto): Promise<CanvasResponseDto> {
    const canvas = await this.findLive(orgId, id, 'update');
    if (dto.visibility && dto.visibility !== canvas.visibility) this.assert(canvas, 'share');
    const changes: CanvasChanges = { ...dto };
    if (dto.data !== undefined || dto.modelVersion !== undefined) {
      const model = await this.followedVersion(orgId, canvas, dto.modelVersion);
      this.validator.check(model, dto.data ?? (canvas.data as CanvasData));
    }
    return toCanvasResponse(await this.write(orgId, id, expected, { deleted: false, saved: true }, changes));
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    await this.findFor(orgId, id, 'delete');
    const options = { deleted: false, saved: false, action: 'canvas.deleted' };
    await this.write(orgId, id, expected, options, { deletedAt: new Date() });
  }

  async restore(orgId: string, id: string, expected: ExpectedVersion): Promise<CanvasResponseDto> {
    // 404 for a canvas that is not in the bin before any plan check, so a limit hides nothing.
    const canvas = await this.findFor(orgId, id, 'delete');
    if (canvas.deletedAt === null) throw AppException.notFound(`Deleted ${CANVAS.toLowerCase()}`);
    await this.features.assertCanAdd(orgId, 'canvases');
    const options = { deleted: true, saved: false, action: 'canvas.restored' };
    return toCanvasResponse(await this.write(orgId, id, expected, options, { deletedAt: null }));
  }

  async listVersions(orgId: string, id: string, query: PageQueryDto): Promise<Page<CanvasVersionResponseDto>> {
    return paginateChildren(
      query,
      CANVAS_VERSION_ORDER,
      () => this.find(orgId, id),
      (page) => this.repository.listVersions(orgId, id, page),
      toCanvasVersionResponse,
    );
  }

  async getVersion(orgId: string, id: string, version: number): Promise<CanvasVersionResponseDto> {
    await this.find(orgId, id);
    return toCanvasVersionResponse(await this.version(orgId, id, version));
  }

  /** Saves an earlier version's data as the newest version (checked against the current model version). */
  async restoreVersion(
    orgId: string,
    id: string,
    version: number,
    expected: ExpectedVersion,
  ): Promise<CanvasResponseDto> {
    const canvas = await this.findLive(orgId, id, 'update');
    const { data } = await this.version(orgId, id, version);
    this.validator.check(await this.followedVersion(orgId, canvas), data as CanvasData);
    const options = { deleted: false, saved: true, action: 'canvas.version_restored' };
    const changes = { data: data as CanvasData };
    return toCanvasResponse(await this.write(orgId, id, expected, options, changes));
  }

  /** The model version a canvas is made with: 404 for no such live model or version, 409 when none is published. */
  private async modelVersion(orgId: string, modelId: string, version?: number): Promise<ModelVersionRow> {
    const found = await this.repository.findModelVersion(orgId, modelId, version);
    if (found) return found;
    if (!(await this.repository.modelExists(orgId, modelId))) throw AppException.notFound('Canvas model');
    if (version !== undefined) throw AppException.notFound(`Version ${version} of the canvas model`);
    throw new AppException('MODEL_NOT_PUBLISHED', 'The canvas model has no published version yet: publish it first');
  }

  /** The version a canvas follows, or `version` of its model when it moves to another one. */
  private followedVersion(orgId: string, canvas: CanvasRow, version?: number): Promise<ModelVersionRow> {
    if (!canvas.modelId) throw AppException.notFound('Canvas model');
    return this.modelVersion(orgId, canvas.modelId, version ?? canvas.modelVersion ?? undefined);
  }

  private async version(orgId: string, id: string, version: number) {
    // Beyond a 32-bit version there is none (and the query would overflow).
    if (version < 1 || version > 2_147_483_647) throw AppException.notFound(`Version ${version} of the canvas`);
    return orNotFound(await this.repository.findVersion(orgId, id, version), `Version ${version} of the canvas`);
  }

  private async write(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    options: { deleted: boolean; saved: boolean; action?: string },
    changes: CanvasChanges,
  ): Promise<CanvasRow> {
    const row = await this.repository.update(orgId, id, this.caller(), expected, options, changes);
    return orNotFound(row, options.deleted ? `Deleted ${CANVAS.toLowerCase()}` : CANVAS);
  }

  /** The canvas if the caller may do `action` to it: 404 when they cannot read it, 403 when they may not. */
  private async findFor(orgId: string, id: string, action: OwnedRowAction): Promise<CanvasRow> {
    const canvas = await this.find(orgId, id);
    this.assert(canvas, action);
    return canvas;
  }

  /** As findFor, and 404 for a soft-deleted canvas (read-only until restored). */
  private async findLive(orgId: string, id: string, action: OwnedRowAction): Promise<CanvasRow> {
    const canvas = await this.findFor(orgId, id, action);
    if (canvas.deletedAt !== null) throw AppException.notFound(CANVAS);
    return canvas;
  }

  private assert(canvas: CanvasRow, action: OwnedRowAction): void {
    assertCreatorOwnedAccess(CANVASES, this.caller(), canvas, action, CANVAS);
  }

  private async find(orgId: string, id: string): Promise<CanvasRow> {
    return orNotFound(await this.repository.findById(orgId, id, this.caller()), CANVAS);
  }

  private caller() {
    return ownedRowCaller(this.context);
  }
}
