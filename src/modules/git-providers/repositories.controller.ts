import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { ListRepositoriesQueryDto, RepositoryResponseDto } from './dto/repository.dto';
import { RepositoriesService } from './repositories.service';

@ApiTag('repositories', 'Repositories found by the syncs of the organization’s git providers.')
@Controller('v1/orgs/:orgId/repositories')
export class RepositoriesController {
  constructor(private readonly repositories: RepositoriesService) {}

  /** The org's repositories, oldest first; by provider, sync status, or a search in name and fullName. */
  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER', scope: 'git' })
  @ApiOkResponse({ type: PageOf(RepositoryResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListRepositoriesQueryDto) {
    return this.repositories.list(orgId, query);
  }

  @Get(':repositoryId')
  @Authenticated({ tenant: true, role: 'VIEWER', scope: 'git' })
  @ApiOkResponse({ type: RepositoryResponseDto })
  get(@OrgId() orgId: string, @Param('repositoryId', UuidParamPipe) id: string): Promise<RepositoryResponseDto> {
    return this.repositories.get(orgId, id);
  }

  /** Remove a repository here (not on the provider): the provider's next sync brings it back. */
  @Delete(':repositoryId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'git' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('repositoryId', UuidParamPipe) id: string): Promise<void> {
    await this.repositories.remove(orgId, id);
  }
}
