import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import { AdminService } from './admin.service';
import { AdminOrgResponseDto, AdminSearchQueryDto, AdminUpdateOrgDto } from './dto/admin.dto';

/**
 * Platform administrators only: not tenant routes, so they reach any organization without a
 * membership. The admin's user routes are in the users module (AdminUsersController).
 */
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
}
