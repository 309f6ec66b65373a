import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { CreateVariableDto, ListVariablesQueryDto, UpdateVariableDto, VariableResponseDto } from './dto/variable.dto';
import { VariablesService } from './variables.service';

@ApiTag('variables', 'Named values of an organization, used as {{key}} in prompts.')
@Controller('v1/orgs/:orgId/variables')
@SendsETag()
export class VariablesController {
  constructor(private readonly variables: VariablesService) {}

  /** Create a variable; its key is unique in the organization. */
  @Post()
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'variables' })
  @ApiCreatedResponse({ type: VariableResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the key is taken' })
  create(@OrgId() orgId: string, @Body() dto: CreateVariableDto): Promise<VariableResponseDto> {
    return this.variables.create(orgId, dto);
  }

  /** List variables by key. */
  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER', scope: 'variables' })
  @ApiOkResponse({ type: PageOf(VariableResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListVariablesQueryDto) {
    return this.variables.list(orgId, query);
  }

  @Get(':variableId')
  @Authenticated({ tenant: true, role: 'VIEWER', scope: 'variables' })
  @ApiOkResponse({ type: VariableResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('variableId', UuidParamPipe) id: string): Promise<VariableResponseDto> {
    return this.variables.get(orgId, id);
  }

  /** Change a variable: If-Match carries the ETag it was read with. */
  @Patch(':variableId')
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'variables' })
  @ApiOkResponse({ type: VariableResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the key is taken' })
  update(
    @OrgId() orgId: string,
    @Param('variableId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateVariableDto,
  ): Promise<VariableResponseDto> {
    return this.variables.update(orgId, id, expected, dto);
  }

  /** Delete a variable: If-Match carries the ETag it was read with. */
  @Delete(':variableId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'variables' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(
    @OrgId() orgId: string,
    @Param('variableId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.variables.remove(orgId, id, expected);
  }
}
