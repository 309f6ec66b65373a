import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import {
  CreateSuiteDto,
  ListSuitesQueryDto,
  SetSuiteItemsDto,
  SuiteResponseDto,
  SuiteSummaryDto,
  UpdateSuiteDto,
} from './dto/scenario-suite.dto';
import { ScenarioSuitesService } from './scenario-suites.service';

/** Suites are part of the scenario library: API keys need the `scenarios` scope. */
const SUITE = { tenant: true, scope: 'scenarios' } as const;

@ApiTag('scenario-suites', 'Ordered sets of scenarios, run together.')
@Controller('v1/orgs/:orgId/scenario-suites')
export class ScenarioSuitesController {
  constructor(private readonly suites: ScenarioSuitesService) {}

  /** Create an empty suite; its name is unique in the organization. Add scenarios with PUT items. */
  @Post()
  @Authenticated({ ...SUITE, role: 'EDITOR' })
  @ApiCreatedResponse({ type: SuiteResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  create(@OrgId() orgId: string, @Body() dto: CreateSuiteDto): Promise<SuiteResponseDto> {
    return this.suites.create(orgId, dto);
  }

  /** List suites, most recently changed first, with their item counts. */
  @Get()
  @Authenticated({ ...SUITE, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(SuiteSummaryDto) })
  list(@OrgId() orgId: string, @Query() query: ListSuitesQueryDto) {
    return this.suites.list(orgId, query);
  }

  /** A suite with its scenarios in order. */
  @Get(':suiteId')
  @Authenticated({ ...SUITE, role: 'VIEWER' })
  @ApiOkResponse({ type: SuiteResponseDto })
  get(@OrgId() orgId: string, @Param('suiteId', UuidParamPipe) id: string): Promise<SuiteResponseDto> {
    return this.suites.get(orgId, id);
  }

  @Patch(':suiteId')
  @Authenticated({ ...SUITE, role: 'EDITOR' })
  @ApiOkResponse({ type: SuiteResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  update(
    @OrgId() orgId: string,
    @Param('suiteId', UuidParamPipe) id: string,
    @Body() dto: UpdateSuiteDto,
  ): Promise<SuiteResponseDto> {
    return this.suites.update(orgId, id, dto);
  }

  /** Delete a suite; its scenarios stay. */
  @Delete(':suiteId')
  @HttpCode(204)
  @Authenticated({ ...SUITE, role: 'EDITOR' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('suiteId', UuidParamPipe) id: string): Promise<void> {
    await this.suites.remove(orgId, id);
  }

  /**
   * Replace the suite's scenarios with this ordered list (scenarios of this organization, each
   * once). Ids that name no scenario of the organization are a 404 naming each.
   */
  @Put(':suiteId/items')
  @Authenticated({ ...SUITE, role: 'EDITOR' })
  @ApiOkResponse({ type: SuiteResponseDto })
  setScenarioSuiteItems(
    @OrgId() orgId: string,
    @Param('suiteId', UuidParamPipe) id: string,
    @Body() dto: SetSuiteItemsDto,
  ): Promise<SuiteResponseDto> {
    return this.suites.setItems(orgId, id, dto.scenarioIds);
  }
}
