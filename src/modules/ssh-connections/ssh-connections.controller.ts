import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import {
  CreateSshConnectionDto,
  ListSshConnectionsQueryDto,
  SshConnectionResponseDto,
  SshConnectionTestResponseDto,
  UpdateSshConnectionDto,
} from './dto/ssh-connection.dto';
import { SshConnectionsService } from './ssh-connections.service';

const READ = { tenant: true, role: 'VIEWER', scope: 'connections' } as const;
const WRITE = { tenant: true, role: 'EDITOR', scope: 'connections' } as const;
const OUTBOUND_REFUSED = 'host breaks the outbound (SSRF) policy; `errors` says why';

@ApiTag(
  'connections',
  'SSH connections: every member reads them, EDITOR+ create and test them, their owner and ADMIN+ change them; secrets are never returned.',
)
@Controller('v1/orgs/:orgId/connections')
export class SshConnectionsController {
  constructor(private readonly connections: SshConnectionsService) {}

  /** Add a connection (owned by the caller): to one of the org's hosts or an address, with a password, a private key or both. */
  @Post()
  @Authenticated(WRITE)
  @ApiCreatedResponse({ type: SshConnectionResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  create(@OrgId() orgId: string, @Body() dto: CreateSshConnectionDto): Promise<SshConnectionResponseDto> {
    return this.connections.create(orgId, dto);
  }

  /** The org's connections by name; `hostId` filters by host, `q` searches name and address. */
  @Get()
  @Authenticated(READ)
  @ApiOkResponse({ type: PageOf(SshConnectionResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListSshConnectionsQueryDto) {
    return this.connections.list(orgId, query);
  }

  @Get(':connectionId')
  @Authenticated(READ)
  @ApiOkResponse({ type: SshConnectionResponseDto })
  get(@OrgId() orgId: string, @Param('connectionId', UuidParamPipe) id: string): Promise<SshConnectionResponseDto> {
    return this.connections.get(orgId, id);
  }

  /** Change a connection: its owner or ADMIN+ (403 for other members). */
  @Patch(':connectionId')
  @Authenticated(WRITE)
  @ApiOkResponse({ type: SshConnectionResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  update(
    @OrgId() orgId: string,
    @Param('connectionId', UuidParamPipe) id: string,
    @Body() dto: UpdateSshConnectionDto,
  ): Promise<SshConnectionResponseDto> {
    return this.connections.update(orgId, id, dto);
  }

  /** Delete a connection: its owner or ADMIN+ (403 for other members). */
  @Delete(':connectionId')
  @HttpCode(204)
  @Authenticated(WRITE)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('connectionId', UuidParamPipe) id: string): Promise<void> {
    await this.connections.remove(orgId, id);
  }

  /**
   * Try the connection: a real SSH handshake and sign-in (SSH_TEST_TIMEOUT_MS), with the
   * latency, the server's host key fingerprint and version, and the reason when it failed. A
   * failure is a 200 with `ok: false`, not an error.
   */
  @Post(':connectionId/test')
  @NoRequestTransaction()
  @HttpCode(200)
  @Authenticated(WRITE)
  @ApiOkResponse({ type: SshConnectionTestResponseDto })
  @ApiProblem('OUTBOUND_URL_REFUSED', OUTBOUND_REFUSED)
  testSshConnection(
    @OrgId() orgId: string,
    @Param('connectionId', UuidParamPipe) id: string,
  ): Promise<SshConnectionTestResponseDto> {
    return this.connections.test(orgId, id);
  }
}
