import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { ListMembersQueryDto, MemberResponseDto, UpdateMemberDto } from './dto/member.dto';
import { MembersService } from './members.service';

@ApiTag('members', 'The members of an organization and their roles.')
@Controller('v1/orgs/:orgId')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  /** List members, optionally by role or status. */
  @Get('members')
  @Authenticated({ tenant: true, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(MemberResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListMembersQueryDto) {
    return this.members.list(orgId, query);
  }

  /** Change a member's role or status (owners are managed by owners only; the last active owner stays). */
  @Patch('members/:userId')
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: MemberResponseDto })
  update(
    @OrgId() orgId: string,
    @Param('userId', UuidParamPipe) userId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberResponseDto> {
    return this.members.update(orgId, userId, dto);
  }

  /** Remove a member (owners are removed by owners only; the last active owner stays). */
  @Delete('members/:userId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiNoContentResponse({ description: 'Removed' })
  async remove(@OrgId() orgId: string, @Param('userId', UuidParamPipe) userId: string): Promise<void> {
    await this.members.remove(orgId, userId);
  }

  /** Leave the organization; the last active owner must transfer ownership first. */
  @Post('leave')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'VIEWER' })
  @ApiNoContentResponse({ description: 'Left' })
  @ApiOperation({ operationId: 'leaveOrganization' })
  async leave(@OrgId() orgId: string): Promise<void> {
    await this.members.leave(orgId);
  }
}
