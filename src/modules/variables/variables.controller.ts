import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { CreateVariableDto, ListVariablesQueryDto, UpdateVariableDto, VariableResponseDto } from './dto/variable.dto';
import { VariablesService } from './variables.service';

@ApiTag('variables', 'Named values of an organization, used as {{key}} in prompts.')
@Controller('v1/orgs/:orgId/variables')
export class VariablesController {
  constructor(private readonly variables: VariablesService) {}

  /** Create a variable; its key is unique in the organization. */
  @Post()
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'variables' })
  @ApiCreatedResponse({ type: VariableResponseDto })
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
  @ApiOkResponse({ type: VariableResponseDto })
  get(@OrgId() orgId: string, @Param('variableId', UuidParamPipe) id: string): Promise<VariableResponseDto> {
    return this.variables.get(orgId, id);
  }

  @Patch(':variableId')
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'variables' })
  @ApiOkResponse({ type: VariableResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the key is taken' })
  update(
    @OrgId() orgId: string,
    @Param('variableId', UuidParamPipe) id: string,
    @Body() dto: UpdateVariableDto,
  ): Promise<VariableResponseDto> {
    return this.variables.update(orgId, id, dto);
  }

  @Delete(':variableId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'variables' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('variableId', UuidParamPipe) id: string): Promise<void> {
    await this.variables.remove(orgId, id);
  }
}
