import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import {
  CreateOrganizationDto,
  FeatureFlagsDto,
  LimitUsageDto,
  OrganizationLimitsResponseDto,
  OrganizationResponseDto,
  TransferOwnershipDto,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { OrganizationsService } from './organizations.service';

@ApiTag(
  'organizations',
  'Organizations (the tenants): settings, plan limits and usage, feature flags, ownership, soft delete.',
)
@ApiExtraModels(LimitUsageDto)
@Controller('v1/orgs')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  /** Create an organization; the caller becomes its OWNER. */
  @Post()
  @Authenticated()
  @ApiCreatedResponse({ type: OrganizationResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the slug is taken' })
  create(@Body() dto: CreateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.organizations.create(dto);
  }

  /** List the organizations the caller is an active member of. */
  @Get()
  @Authenticated()
  @ApiOkResponse({ type: PageOf(OrganizationResponseDto) })
  list(@Query() query: PageQueryDto) {
    return this.organizations.listMine(query);
  }

  /** Get an organization with its effective limits and the caller's role. */
  @Get(':orgId')
  @Authenticated({ tenant: true, role: 'VIEWER' })
  @ApiOkResponse({ type: OrganizationResponseDto })
  get(@OrgId() orgId: string): Promise<OrganizationResponseDto> {
    return this.organizations.get(orgId);
  }

  /** Rename an organization or change its slug or domain. */
  @Patch(':orgId')
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: OrganizationResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: the slug or domain is taken' })
  update(@OrgId() orgId: string, @Body() dto: UpdateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.organizations.update(orgId, dto);
  }

  /** Soft-delete an organization; an owner can restore it. */
  @Delete(':orgId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'OWNER' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string): Promise<void> {
    await this.organizations.remove(orgId);
  }

  /** Restore a soft-deleted organization. */
  @Post(':orgId/restore')
  @HttpCode(200)
  @Authenticated({ tenant: true, role: 'OWNER', allowDeletedOrg: true })
  @ApiOkResponse({ type: OrganizationResponseDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the organization is not deleted' })
  @ApiOperation({ operationId: 'restoreOrganization' })
  restore(@OrgId() orgId: string): Promise<OrganizationResponseDto> {
    return this.organizations.restore(orgId);
  }

  /** Make another active member OWNER; the caller becomes ADMIN. */
  @Post(':orgId/transfer-ownership')
  @HttpCode(200)
  @Authenticated({ tenant: true, role: 'OWNER' })
  @ApiOkResponse({ type: OrganizationResponseDto })
  transferOwnership(@OrgId() orgId: string, @Body() dto: TransferOwnershipDto): Promise<OrganizationResponseDto> {
    return this.organizations.transferOwnership(orgId, dto.userId.toLowerCase());
  }

  /** The tier's limits and how much of each is used. */
  @Get(':orgId/limits')
  @Authenticated({ tenant: true, role: 'VIEWER' })
  @ApiOkResponse({ type: OrganizationLimitsResponseDto })
  @ApiOperation({ operationId: 'getOrganizationLimits' })
  limits(@OrgId() orgId: string): Promise<OrganizationLimitsResponseDto> {
    return this.organizations.limits(orgId);
  }

  /** The organization's feature flags. */
  @Get(':orgId/feature-flags')
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: FeatureFlagsDto })
  @ApiOperation({ operationId: 'getFeatureFlags' })
  featureFlags(@OrgId() orgId: string): Promise<FeatureFlagsDto> {
    return this.organizations.featureFlags(orgId);
  }

  /** Replace all feature flags. */
  @Put(':orgId/feature-flags')
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: FeatureFlagsDto })
  replaceFeatureFlags(@OrgId() orgId: string, @Body() dto: FeatureFlagsDto): Promise<FeatureFlagsDto> {
    return this.organizations.replaceFeatureFlags(orgId, dto);
  }
}
