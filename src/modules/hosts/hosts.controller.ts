import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { CreateHostDto, HostResponseDto, ListHostsQueryDto, UpdateHostDto } from './dto/host.dto';
import { HostsService } from './hosts.service';

const READ = { tenant: true, role: 'VIEWER', scope: 'hosts' } as const;
const WRITE = { tenant: true, role: 'EDITOR', scope: 'hosts' } as const;
const OUTBOUND_REFUSED = 'ip breaks the outbound (SSRF) policy; `errors` says why';

@ApiTag(
  'hosts',
  'Machines the organization tests reach: every member reads them, EDITOR+ manage and check them; passwords are never returned.',
)
@Controller('v1/orgs/:orgId/hosts')
export class HostsController {
  constructor(private readonly hosts: HostsService) {}

  /** Add a host; its name is unique in the organization. Status PENDING until checked. */
  @Post()
  @Authenticated(WRITE)
  @ApiCreatedResponse({ type: HostResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  create(@OrgId() orgId: string, @Body() dto: CreateHostDto): Promise<HostResponseDto> {
    return this.hosts.create(orgId, dto);
  }

  /** The org's hosts by name; filters by status and type, `q` searches name and address. */
  @Get()
  @Authenticated(READ)
  @ApiOkResponse({ type: PageOf(HostResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListHostsQueryDto) {
    return this.hosts.list(orgId, query);
  }

  @Get(':hostId')
  @Authenticated(READ)
  @ApiOkResponse({ type: HostResponseDto })
  get(@OrgId() orgId: string, @Param('hostId', UuidParamPipe) id: string): Promise<HostResponseDto> {
    return this.hosts.get(orgId, id);
  }

  /** Change a host; a new `ip` also reaches the SSH connections made from it. */
  @Patch(':hostId')
  @Authenticated(WRITE)
  @ApiOkResponse({ type: HostResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  update(
    @OrgId() orgId: string,
    @Param('hostId', UuidParamPipe) id: string,
    @Body() dto: UpdateHostDto,
  ): Promise<HostResponseDto> {
    return this.hosts.update(orgId, id, dto);
  }

  /** Delete a host; SSH connections made from it stay, detached (hostId null, address kept). */
  @Delete(':hostId')
  @HttpCode(204)
  @Authenticated(WRITE)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('hostId', UuidParamPipe) id: string): Promise<void> {
    await this.hosts.remove(orgId, id);
  }

  /**
   * Open a TCP connection to the host (HOST_CHECK_TIMEOUT_MS) and record the result: ONLINE with
   * the latency, OFFLINE (refused, no answer) or ERROR (the name does not resolve) with the reason.
   * A failed check is a 200 with the updated host, not an error.
   */
  @Post(':hostId/check')
  @NoRequestTransaction()
  @HttpCode(200)
  @Authenticated(WRITE)
  @ApiOkResponse({ type: HostResponseDto })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  checkHost(@OrgId() orgId: string, @Param('hostId', UuidParamPipe) id: string): Promise<HostResponseDto> {
    return this.hosts.check(orgId, id);
  }
}
