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
  Put,
  Query,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiParam,
} from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { AppException } from '../../common/errors/app-exception';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import {
  CreateScenarioDto,
  DuplicateScenarioDto,
  EvaluateScenarioDto,
  ListScenariosQueryDto,
  ReplaceScenarioDto,
  ScenarioEvaluationResponseDto,
  ScenarioResponseDto,
  ScenarioSummaryDto,
  ScenarioVersionResponseDto,
  UpdateScenarioDto,
} from './dto/scenario.dto';
import { ScenariosService } from './scenarios.service';

/** A snapshot number in the path: anything but a positive integer names no version (404). */
@Injectable()
class SnapshotParamPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,8}$/.test(value)) throw AppException.notFound('Scenario version');
    return Number(value);
  }
}

const SCENARIO = { tenant: true, scope: 'scenarios' } as const;

@ApiTag(
  'scenarios',
  'Test conversations: USER turns and EXPECT turns whose expectations check the replies; published changes are versioned.',
)
@Controller('v1/orgs/:orgId/scenarios')
export class ScenariosController {
  constructor(private readonly scenarios: ScenariosService) {}

  /** Create a scenario with its turns; its name is unique in the organization. */
  @Post()
  @SendsETag()
  @Authenticated({ ...SCENARIO, role: 'EDITOR' })
  @ApiCreatedResponse({ type: ScenarioResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  create(@OrgId() orgId: string, @Body() dto: CreateScenarioDto): Promise<ScenarioResponseDto> {
    return this.scenarios.create(orgId, dto);
  }

  /** List scenarios, most recently changed first, with their turn and expectation counts. */
  @Get()
  @Authenticated({ ...SCENARIO, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(ScenarioSummaryDto) })
  list(@OrgId() orgId: string, @Query() query: ListScenariosQueryDto) {
    return this.scenarios.list(orgId, query);
  }

  @Get(':scenarioId')
  @SendsETag()
  @Authenticated({ ...SCENARIO, role: 'VIEWER' })
  @ApiOkResponse({ type: ScenarioResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('scenarioId', UuidParamPipe) id: string): Promise<ScenarioResponseDto> {
    return this.scenarios.get(orgId, id);
  }

  /** Replace the whole scenario (If-Match: its ETag); fields left out take their defaults. */
  @Put(':scenarioId')
  @SendsETag()
  @Authenticated({ ...SCENARIO, role: 'EDITOR' })
  @ApiOkResponse({ type: ScenarioResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  replace(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: ReplaceScenarioDto,
  ): Promise<ScenarioResponseDto> {
    return this.scenarios.replace(orgId, id, expected, dto);
  }

  /** Change some fields (If-Match: its ETag); `turns`, when given, replaces all turns. */
  @Patch(':scenarioId')
  @SendsETag()
  @Authenticated({ ...SCENARIO, role: 'EDITOR' })
  @ApiOkResponse({ type: ScenarioResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  update(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateScenarioDto,
  ): Promise<ScenarioResponseDto> {
    return this.scenarios.update(orgId, id, expected, dto);
  }

  /** Delete a scenario with its turns and versions; it leaves the suites holding it (If-Match). */
  @Delete(':scenarioId')
  @HttpCode(204)
  @Authenticated({ ...SCENARIO, role: 'EDITOR' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.scenarios.remove(orgId, id, expected);
  }

  /** The published snapshots, newest first. */
  @Get(':scenarioId/versions')
  @Authenticated({ ...SCENARIO, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(ScenarioVersionResponseDto) })
  listScenarioVersions(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ) {
    return this.scenarios.listVersions(orgId, id, query);
  }

  /** Make a snapshot's content current again, as a new change (If-Match: the scenario's ETag). */
  @Post(':scenarioId/versions/:version/restore')
  @HttpCode(200)
  @SendsETag()
  @Authenticated({ ...SCENARIO, role: 'EDITOR' })
  @ApiParam({
    name: 'version',
    description: 'The snapshot number',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 999999999 },
  })
  @ApiOkResponse({ type: ScenarioResponseDto, headers: ETAG_HEADER })
  restoreScenarioVersion(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @Param('version', SnapshotParamPipe) version: number,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<ScenarioResponseDto> {
    return this.scenarios.restore(orgId, id, version, expected);
  }

  /** Copy a scenario's current content under a new name (a new DRAFT scenario). */
  @Post(':scenarioId/duplicate')
  @SendsETag()
  @Authenticated({ ...SCENARIO, role: 'EDITOR' })
  @ApiCreatedResponse({ type: ScenarioResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  duplicateScenario(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @Body() dto: DuplicateScenarioDto,
  ): Promise<ScenarioResponseDto> {
    return this.scenarios.duplicate(orgId, id, dto.name);
  }

  /**
   * Check replies you produced yourself against the EXPECT turns, with no model call. Reply i
   * answers the i-th USER turn; each EXPECT turn is checked on the last reply before it.
   * SEMANTIC_ASSERT needs a model judge and is reported with `passed: null`. Changes nothing.
   */
  @Post(':scenarioId/evaluate')
  @HttpCode(200)
  @Authenticated({ ...SCENARIO, role: 'VIEWER', readOnly: true })
  @ApiOkResponse({ type: ScenarioEvaluationResponseDto })
  evaluateScenario(
    @OrgId() orgId: string,
    @Param('scenarioId', UuidParamPipe) id: string,
    @Body() dto: EvaluateScenarioDto,
  ): Promise<ScenarioEvaluationResponseDto> {
    return this.scenarios.evaluate(orgId, id, dto.replies);
  }
}
