import { Body, Controller, Delete, Get, HttpCode, Patch, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { DeleteMeDto, MeResponseDto, MyInvitationResponseDto, SetActiveOrgDto, UpdateMeDto } from './dto/me.dto';
import { MeService } from './me.service';

/** Signed-in users only: service API keys have no caller of their own here (403). */
@ApiTag('me', 'The signed-in user: profile, active organization, pending invitations, account deletion.')
@Controller('v1/me')
export class MeController {
  constructor(private readonly me: MeService) {}

  /** The signed-in user. */
  @Get()
  @Authenticated()
  @ApiOkResponse({ type: MeResponseDto })
  get(): Promise<MeResponseDto> {
    return this.me.get();
  }

  /** Update the signed-in user's name, locale, time zone or image. */
  @Patch()
  @Authenticated()
  @ApiOkResponse({ type: MeResponseDto })
  update(@Body() dto: UpdateMeDto): Promise<MeResponseDto> {
    return this.me.update(dto);
  }

  /**
   * Delete the caller's account (GDPR), with their password entered again. Every session ends at
   * once; sessions, tokens, the profile, memberships, their conversations and private canvases are
   * removed; org-visible canvases stay with their org without a creator; audit entries keep the
   * user's id only. The email can register again, as a new user. Refused while the caller is the
   * last active owner of an organization.
   */
  @Delete()
  @HttpCode(204)
  @Authenticated()
  @ApiNoContentResponse({ description: 'Account deleted; its tokens no longer work' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: the password is incorrect, or the account has none' })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED: too many wrong passwords for this account' })
  @ApiConflictResponse({ description: 'LAST_OWNER: the caller is the last active owner of the organizations named' })
  remove(@Body() dto: DeleteMeDto): Promise<void> {
    return this.me.remove(dto);
  }

  /** Switch the organization the user works in (one they are an active member of). */
  @Put('active-org')
  @Authenticated()
  @ApiOkResponse({ type: MeResponseDto })
  setActiveOrg(@Body() dto: SetActiveOrgDto): Promise<MeResponseDto> {
    return this.me.setActiveOrg(dto);
  }

  /** Pending invitations addressed to the user's email. */
  @Get('invitations')
  @Authenticated()
  @ApiOkResponse({ type: PageOf(MyInvitationResponseDto) })
  listInvitations(@Query() query: PageQueryDto) {
    return this.me.listInvitations(query);
  }
}
