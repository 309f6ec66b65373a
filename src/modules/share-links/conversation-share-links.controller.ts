import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { CreatedShareLinkResponseDto, CreateShareLinkDto, ShareLinkResponseDto } from './dto/share-link.dto';
import { NOT_SHAREABLE_BY_CALLER, SHARE_LINK } from './share-links.controller';
import { ShareLinksService } from './share-links.service';

@ApiTag('share-links')
@Controller('v1/orgs/:orgId/conversations/:conversationId/share')
export class ConversationShareLinksController {
  constructor(private readonly links: ShareLinksService) {}

  /** Share one of the caller's conversations (all its messages): the token is in this answer only. */
  @Post()
  @Authenticated(SHARE_LINK)
  @ApiCreatedResponse({ type: CreatedShareLinkResponseDto })
  @ApiProblem('FORBIDDEN', NOT_SHAREABLE_BY_CALLER)
  shareConversation(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Body() dto: CreateShareLinkDto,
  ): Promise<CreatedShareLinkResponseDto> {
    return this.links.create(orgId, { conversationId }, dto);
  }

  /** The caller's links to the conversation, newest first; tokens are not shown again. */
  @Get()
  @Authenticated(SHARE_LINK)
  @ApiOkResponse({ type: PageOf(ShareLinkResponseDto) })
  @ApiProblem('FORBIDDEN', NOT_SHAREABLE_BY_CALLER)
  listConversationShareLinks(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Query() query: PageQueryDto,
  ) {
    return this.links.list(orgId, { conversationId }, query);
  }
}
