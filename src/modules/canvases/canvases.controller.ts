import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { CanvasesService } from './canvases.service';
import {
  CanvasResponseDto,
  CanvasVersionResponseDto,
  CreateCanvasDto,
  ListCanvasesQueryDto,
  UpdateCanvasDto,
} from './dto/canvas.dto';

/**
 * Any member (VIEWER included) makes canvases (DESIGN.md); who reads and changes one is the
 * service's creator-owned rule. API keys share the `canvases` scope of the canvas models.
 */
const CANVAS = { tenant: true, role: 'VIEWER', scope: 'canvases' } as const;
const INVALID_DATA = 'data does not satisfy the JSON Schema of the model version; `errors` name the failing paths';
// Handlers named create/get/update/remove set their operationId: the derived one would say "Canvase".
const VERSION_PARAM = new ParseIntPipe({ errorHttpStatusCode: 400 });
const VersionParam = () =>
  ApiParam({
    name: 'version',
    description: 'A saved version of the canvas',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2_147_483_647 },
  });

@ApiTag(
  'canvases',
  'Canvases: content that follows a published canvas model version; every save is a version, delete is soft.',
)
@Controller('v1/orgs/:orgId/canvases')
export class CanvasesController {
  constructor(private readonly canvases: CanvasesService) {}

  /** Create a canvas of a model (its newest published version unless `modelVersion` says which); version 1. */
  @Post()
  @SendsETag()
  @Authenticated(CANVAS)
  @ApiCreatedResponse({ type: CanvasResponseDto, headers: ETAG_HEADER })
  @ApiProblem('SCHEMA_VALIDATION_FAILED', INVALID_DATA)
  @ApiProblem('MODEL_NOT_PUBLISHED', 'the model has no published version')
  @ApiOperation({ operationId: 'createCanvas' })
  create(@OrgId() orgId: string, @Body() dto: CreateCanvasDto): Promise<CanvasResponseDto> {
    return this.canvases.create(orgId, dto);
  }

  /** Live canvases the caller sees (their own, and the org's), or with `deleted=true` the soft-deleted ones. */
  @Get()
  @Authenticated(CANVAS)
  @ApiOkResponse({ type: PageOf(CanvasResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListCanvasesQueryDto) {
    return this.canvases.list(orgId, query);
  }

  /** A canvas, live or soft-deleted (`deletedAt` says which); 404 for another member's PRIVATE or LINK canvas. */
  @Get(':canvasId')
  @SendsETag()
  @Authenticated(CANVAS)
  @ApiOkResponse({ type: CanvasResponseDto, headers: ETAG_HEADER })
  @ApiOperation({ operationId: 'getCanvas' })
  get(@OrgId() orgId: string, @Param('canvasId', UuidParamPipe) id: string): Promise<CanvasResponseDto> {
    return this.canvases.get(orgId, id);
  }

  /** Change a live canvas (If-Match); a new version. Only the creator changes `visibility`. */
  @Patch(':canvasId')
  @SendsETag()
  @Authenticated(CANVAS)
  @ApiOkResponse({ type: CanvasResponseDto, headers: ETAG_HEADER })
  @ApiProblem('SCHEMA_VALIDATION_FAILED', INVALID_DATA)
  @ApiOperation({ operationId: 'updateCanvas' })
  update(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateCanvasDto,
  ): Promise<CanvasResponseDto> {
    return this.canvases.update(orgId, id, expected, dto);
  }

  /** Soft-delete a live canvas (If-Match); `restore` brings it back with its versions. */
  @Delete(':canvasId')
  @HttpCode(204)
  @Authenticated(CANVAS)
  @ApiNoContentResponse({ description: 'Deleted (soft)' })
  @ApiOperation({ operationId: 'deleteCanvas' })
  async remove(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.canvases.remove(orgId, id, expected);
  }

  /** Undo a soft delete (If-Match: the deleted canvas's ETag); counts against the plan limit again. */
  @Post(':canvasId/restore')
  @HttpCode(200)
  @SendsETag()
  @Authenticated(CANVAS)
  @ApiOkResponse({ type: CanvasResponseDto, headers: ETAG_HEADER })
  restoreCanvas(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<CanvasResponseDto> {
    return this.canvases.restore(orgId, id, expected);
  }

  /** The saved versions, newest first. */
  @Get(':canvasId/versions')
  @Authenticated(CANVAS)
  @ApiOkResponse({ type: PageOf(CanvasVersionResponseDto) })
  listCanvasVersions(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ) {
    return this.canvases.listVersions(orgId, id, query);
  }

  /** One saved version. */
  @Get(':canvasId/versions/:version')
  @Authenticated(CANVAS)
  @VersionParam()
  @ApiOkResponse({ type: CanvasVersionResponseDto })
  getCanvasVersion(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) id: string,
    @Param('version', VERSION_PARAM) version: number,
  ): Promise<CanvasVersionResponseDto> {
    return this.canvases.getVersion(orgId, id, version);
  }

  /** Save an earlier version's data as the newest version (If-Match: the canvas's ETag). */
  @Post(':canvasId/versions/:version/restore')
  @HttpCode(200)
  @SendsETag()
  @Authenticated(CANVAS)
  @ApiOkResponse({ type: CanvasResponseDto, headers: ETAG_HEADER })
  @VersionParam()
  @ApiProblem(
    'SCHEMA_VALIDATION_FAILED',
    "the version's data does not satisfy the model version the canvas follows now",
  )
  restoreCanvasVersion(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) id: string,
    @Param('version', VERSION_PARAM) version: number,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<CanvasResponseDto> {
    return this.canvases.restoreVersion(orgId, id, version, expected);
  }
}
