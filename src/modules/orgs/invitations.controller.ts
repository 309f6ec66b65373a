import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { PageOf } from '../../common/pagination/pagination';
import {
  CreateInvitationDto,
  InvitationResponseDto,
  InvitationTokenDto,
  ListInvitationsQueryDto,
} from './dto/invitation.dto';
import { OrganizationResponseDto } from './dto/organization.dto';
import { InvitationsService } from './invitations.service';

@ApiTag('invitations', 'Invitations to join an organization: sent by its admins, accepted or declined by the invitee.')
@Controller('v1/orgs/:orgId/invitations')
export class OrgInvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  /** Invite someone by email (up to ADMIN); the token goes only into the email. */
  @Post()
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiCreatedResponse({ type: InvitationResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: already a member, or a pending invitation exists' })
  create(@OrgId() orgId: string, @Body() dto: CreateInvitationDto): Promise<InvitationResponseDto> {
    return this.invitations.create(orgId, dto);
  }

  /** List invitations, newest first. */
  @Get()
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: PageOf(InvitationResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListInvitationsQueryDto) {
    return this.invitations.list(orgId, query);
  }

  /** Revoke a pending invitation. */
  @Delete(':invitationId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revoke(@OrgId() orgId: string, @Param('invitationId', UuidParamPipe) invitationId: string): Promise<void> {
    await this.invitations.revoke(orgId, invitationId);
  }

  /** Send a pending invitation again with a new token and expiry. */
  @Post(':invitationId/resend')
  @HttpCode(200)
  @Authenticated({ tenant: true, role: 'ADMIN' })
  @ApiOkResponse({ type: InvitationResponseDto })
  @ApiOperation({ operationId: 'resendOrgInvitation' })
  resend(
    @OrgId() orgId: string,
    @Param('invitationId', UuidParamPipe) invitationId: string,
  ): Promise<InvitationResponseDto> {
    return this.invitations.resend(orgId, invitationId);
  }
}

@ApiTag('invitations')
@Controller('v1/invitations')
export class InvitationResponsesController {
  constructor(private readonly invitations: InvitationsService) {}

  /** Accept an invitation addressed to the caller's email and join its organization. */
  @Post('accept')
  @HttpCode(200)
  @Authenticated()
  @ApiOkResponse({ type: OrganizationResponseDto })
  @ApiConflictResponse({ description: 'DUPLICATE: already a member' })
  @ApiOperation({ operationId: 'acceptInvitation' })
  accept(@Body() dto: InvitationTokenDto): Promise<OrganizationResponseDto> {
    return this.invitations.accept(dto.token);
  }

  /** Decline an invitation addressed to the caller's email. */
  @Post('decline')
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'Declined' })
  @ApiOperation({ operationId: 'declineInvitation' })
  async decline(@Body() dto: InvitationTokenDto): Promise<void> {
    await this.invitations.decline(dto.token);
  }
}
