import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { CreateVariableDto, ListVariablesQueryDto, UpdateVariableDto, VariableResponseDto } from './dto/variable.dto';
import { VariablesService } from './variables.service';

@ApiTags('variables')
@Controller('v1/orgs/:orgId/variables')
export class VariablesController {
  constructor(private readonly variables: VariablesService) {}

  /** Create a variable; its key is unique in the organization. */
  @Post()
  @Authenticated({ role: 'EDITOR', scope: 'variables' })
  @ApiCreatedResponse({ type: VariableResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the key is taken' })
  create(@Param('orgId') orgId: string, @Body() dto: CreateVariableDto): Promise<VariableResponseDto> {
    return this.variables.create(orgId, dto);
  }

  /** List variables by key. */
  @Get()
  @Authenticated({ role: 'VIEWER', scope: 'variables' })
  @ApiOkResponse({ type: PageOf(VariableResponseDto) })
  list(@Param('orgId') orgId: string, @Query() query: ListVariablesQueryDto) {
    return this.variables.list(orgId, query);
  }

  @Get(':variableId')
  @Authenticated({ role: 'VIEWER', scope: 'variables' })
  @ApiOkResponse({ type: VariableResponseDto })
  get(@Param('orgId') orgId: string, @Param('variableId', UuidParamPipe) id: string): Promise<VariableResponseDto> {
    return this.variables.get(orgId, id);
  }

  @Patch(':variableId')
  @Authenticated({ role: 'EDITOR', scope: 'variables' })
  @ApiOkResponse({ type: VariableResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the key is taken' })
  update(
    @Param('orgId') orgId: string,
    @Param('variableId', UuidParamPipe) id: string,
    @Body() dto: UpdateVariableDto,
  ): Promise<VariableResponseDto> {
    return this.variables.update(orgId, id, dto);
  }

  @Delete(':variableId')
  @HttpCode(204)
  @Authenticated({ role: 'EDITOR', scope: 'variables' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('orgId') orgId: string, @Param('variableId', UuidParamPipe) id: string): Promise<void> {
    await this.variables.remove(orgId, id);
  }
}
