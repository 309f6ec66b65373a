import { Body, Controller, Get, Patch, Put, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/decorators';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { MeResponseDto, MyInvitationResponseDto, SetActiveOrgDto, UpdateMeDto } from './dto/me.dto';
import { MeService } from './me.service';

/** Signed-in users only: service API keys have no caller of their own here (403). */
@ApiTag('me', 'The signed-in user: profile, active organization, pending invitations.')
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
