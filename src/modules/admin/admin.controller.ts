import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { AdminService } from './admin.service';
import { AdminOrgResponseDto, AdminSearchQueryDto, AdminUpdateOrgDto, AdminUserResponseDto } from './dto/admin.dto';

/** Platform administrators only: not tenant routes, so they reach any organization without a membership. */
@ApiTag('admin', 'Platform administration across organizations and users (platform administrators only).')
@Controller('v1/admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  /** List every organization, soft-deleted ones included, newest first. */
  @Get('orgs')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: PageOf(AdminOrgResponseDto) })
  listOrgs(@Query() query: AdminSearchQueryDto) {
    return this.admin.listOrgs(query);
  }

  /** Set an organization's tier and its limit overrides. */
  @Patch('orgs/:orgId')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminOrgResponseDto })
  updateOrg(
    @Param('orgId', UuidParamPipe) orgId: string,
    @Body() dto: AdminUpdateOrgDto,
  ): Promise<AdminOrgResponseDto> {
    return this.admin.updateOrg(orgId, dto);
  }

  /** List every user, newest first. */
  @Get('users')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: PageOf(AdminUserResponseDto) })
  listUsers(@Query() query: AdminSearchQueryDto) {
    return this.admin.listUsers(query);
  }

  /** Suspend a user: their sessions end at once and they cannot sign in. */
  @Post('users/:userId/suspend')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminUserResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: administrators cannot suspend themselves' })
  suspend(@Param('userId', UuidParamPipe) userId: string): Promise<AdminUserResponseDto> {
    return this.admin.suspend(userId);
  }

  /** Lift a user's suspension; they sign in again. */
  @Post('users/:userId/unsuspend')
  @HttpCode(200)
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AdminUserResponseDto })
  unsuspend(@Param('userId', UuidParamPipe) userId: string): Promise<AdminUserResponseDto> {
    return this.admin.unsuspend(userId);
  }
}
