import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { CanvasModelsService } from './canvas-models.service';
import {
  CanvasModelResponseDto,
  CanvasModelVersionResponseDto,
  CreateCanvasModelDto,
  ListCanvasModelsQueryDto,
  UpdateCanvasModelDto,
} from './dto/canvas-model.dto';

const CANVAS_MODEL = { tenant: true, scope: 'canvases' } as const;

@ApiTag(
  'canvas-models',
  'Canvas templates: a JSON Schema (2020-12) canvases follow; publishing freezes it as an immutable version.',
)
@Controller('v1/orgs/:orgId/canvas-models')
export class CanvasModelsController {
  constructor(private readonly models: CanvasModelsService) {}

  /** Create a model; its schema must compile as JSON Schema 2020-12 (400 with ajv's errors). */
  @Post()
  @SendsETag()
  @Authenticated({ ...CANVAS_MODEL, role: 'EDITOR' })
  @ApiCreatedResponse({ type: CanvasModelResponseDto, headers: ETAG_HEADER })
  create(@OrgId() orgId: string, @Body() dto: CreateCanvasModelDto): Promise<CanvasModelResponseDto> {
    return this.models.create(orgId, dto);
  }

  /** List live models (or, with `deleted=true`, the soft-deleted ones), most recently changed first. */
  @Get()
  @Authenticated({ ...CANVAS_MODEL, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(CanvasModelResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListCanvasModelsQueryDto) {
    return this.models.list(orgId, query);
  }

  /** A model, live or soft-deleted (`deletedAt` says which). */
  @Get(':modelId')
  @SendsETag()
  @Authenticated({ ...CANVAS_MODEL, role: 'VIEWER' })
  @ApiOkResponse({ type: CanvasModelResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('modelId', UuidParamPipe) id: string): Promise<CanvasModelResponseDto> {
    return this.models.get(orgId, id);
  }

  /** Change some fields of a live model (If-Match: its ETag); published versions keep their schema. */
  @Patch(':modelId')
  @SendsETag()
  @Authenticated({ ...CANVAS_MODEL, role: 'EDITOR' })
  @ApiOkResponse({ type: CanvasModelResponseDto, headers: ETAG_HEADER })
  update(
    @OrgId() orgId: string,
    @Param('modelId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateCanvasModelDto,
  ): Promise<CanvasModelResponseDto> {
    return this.models.update(orgId, id, expected, dto);
  }

  /** Soft-delete a live model (If-Match); `restore` brings it back with its versions. */
  @Delete(':modelId')
  @HttpCode(204)
  @Authenticated({ ...CANVAS_MODEL, role: 'EDITOR' })
  @ApiNoContentResponse({ description: 'Deleted (soft)' })
  async remove(
    @OrgId() orgId: string,
    @Param('modelId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.models.remove(orgId, id, expected);
  }

  /** Undo a soft delete (If-Match: the deleted model's ETag); counts against the plan limit again. */
  @Post(':modelId/restore')
  @HttpCode(200)
  @SendsETag()
  @Authenticated({ ...CANVAS_MODEL, role: 'EDITOR' })
  @ApiOkResponse({ type: CanvasModelResponseDto, headers: ETAG_HEADER })
  restoreCanvasModel(
    @OrgId() orgId: string,
    @Param('modelId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<CanvasModelResponseDto> {
    return this.models.restore(orgId, id, expected);
  }

  /** Freeze the current schema as the next immutable version (If-Match: the model's ETag). */
  @Post(':modelId/publish')
  @HttpCode(200)
  @SendsETag()
  @Authenticated({ ...CANVAS_MODEL, role: 'EDITOR' })
  @ApiOkResponse({ type: CanvasModelResponseDto, headers: ETAG_HEADER })
  publishCanvasModel(
    @OrgId() orgId: string,
    @Param('modelId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<CanvasModelResponseDto> {
    return this.models.publish(orgId, id, expected);
  }

  /** The published versions, newest first. */
  @Get(':modelId/versions')
  @Authenticated({ ...CANVAS_MODEL, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(CanvasModelVersionResponseDto) })
  listCanvasModelVersions(
    @OrgId() orgId: string,
    @Param('modelId', UuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ) {
    return this.models.listVersions(orgId, id, query);
  }
}
