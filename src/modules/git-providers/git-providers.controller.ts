import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import {
  CreateGitProviderDto,
  GitProviderResponseDto,
  GitProviderTestResponseDto,
  ListGitProvidersQueryDto,
  UpdateGitProviderDto,
} from './dto/git-provider.dto';
import { GitProvidersService } from './git-providers.service';

const READ = { tenant: true, role: 'VIEWER', scope: 'git' } as const;
const WRITE = { tenant: true, role: 'EDITOR', scope: 'git' } as const;
const OUTBOUND_REFUSED = 'serverUrl breaks the outbound (SSRF) policy; `errors` says why';

@ApiTag(
  'git-providers',
  'GitHub and GitLab accounts of an organization (tokens encrypted, never returned) and the sync of their repositories.',
)
@Controller('v1/orgs/:orgId/git-providers')
export class GitProvidersController {
  constructor(private readonly providers: GitProvidersService) {}

  /** Add a provider; its name is unique in the organization. The caller owns it. */
  @Post()
  @Authenticated(WRITE)
  @ApiCreatedResponse({ type: GitProviderResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  create(@OrgId() orgId: string, @Body() dto: CreateGitProviderDto): Promise<GitProviderResponseDto> {
    return this.providers.create(orgId, dto);
  }

  /** The org's providers, oldest first. */
  @Get()
  @Authenticated(READ)
  @ApiOkResponse({ type: PageOf(GitProviderResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListGitProvidersQueryDto) {
    return this.providers.list(orgId, query);
  }

  @Get(':providerId')
  @Authenticated(READ)
  @ApiOkResponse({ type: GitProviderResponseDto })
  get(@OrgId() orgId: string, @Param('providerId', UuidParamPipe) id: string): Promise<GitProviderResponseDto> {
    return this.providers.get(orgId, id);
  }

  /** Change a provider: rename, move it (serverUrl), replace its tokens. */
  @Patch(':providerId')
  @Authenticated(WRITE)
  @ApiOkResponse({ type: GitProviderResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  update(
    @OrgId() orgId: string,
    @Param('providerId', UuidParamPipe) id: string,
    @Body() dto: UpdateGitProviderDto,
  ): Promise<GitProviderResponseDto> {
    return this.providers.update(orgId, id, dto);
  }

  /** Delete a provider and its repositories. */
  @Delete(':providerId')
  @HttpCode(204)
  @Authenticated(WRITE)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('providerId', UuidParamPipe) id: string): Promise<void> {
    await this.providers.remove(orgId, id);
  }

  /**
   * Try the token with a cheap authenticated call (`GET /user`): `ok`, the latency, the login,
   * or the reason. A refusal is a 200 with `ok: false`, not an error.
   */
  @Post(':providerId/test')
  @NoRequestTransaction()
  @HttpCode(200)
  @Authenticated(WRITE)
  @ApiOkResponse({ type: GitProviderTestResponseDto })
  testGitProvider(
    @OrgId() orgId: string,
    @Param('providerId', UuidParamPipe) id: string,
  ): Promise<GitProviderTestResponseDto> {
    return this.providers.test(orgId, id);
  }

  /**
   * Sync the provider's repositories in the background: the provider is PENDING, then SYNCING,
   * then SYNCED or FAILED (`syncError`); read it (or the repositories) to follow.
   */
  @Post(':providerId/sync')
  @HttpCode(202)
  @Authenticated(WRITE)
  @ApiAcceptedResponse({ type: GitProviderResponseDto })
  syncGitProvider(
    @OrgId() orgId: string,
    @Param('providerId', UuidParamPipe) id: string,
  ): Promise<GitProviderResponseDto> {
    return this.providers.sync(orgId, id);
  }
}
