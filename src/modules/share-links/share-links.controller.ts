import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiParam } from '@nestjs/swagger';
import { Authenticated, NoRequestTransaction, OrgId, PublicReadsCaller } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import {
  CreatedShareLinkResponseDto,
  CreateShareLinkDto,
  SHARED_SNAPSHOT_SCHEMA,
  SharedCanvasSnapshotDto,
  SharedConversationSnapshotDto,
  ShareLinkResponseDto,
  type SharedSnapshotDto,
} from './dto/share-link.dto';
import { ShareLinksService } from './share-links.service';

/**
 * Links are personal: any member makes them of what they created; API keys (no user) cannot.
 * Exported for the conversation links' controller (another module: the chat flag switches it).
 */
export const SHARE_LINK = { tenant: true, role: 'VIEWER' } as const;
export const NOT_SHAREABLE_BY_CALLER = 'the caller reads the target (shared with the org) but did not create it';

const TAG = 'Share links: read-only links to a conversation or canvas, and the public route that reads them.';

@ApiTag('share-links', TAG)
@Controller('v1/orgs/:orgId/canvases/:canvasId/share')
export class CanvasShareLinksController {
  constructor(private readonly links: ShareLinksService) {}

  /** Share a LINK or ORG canvas of the caller's: the token is in this answer only. */
  @Post()
  @Authenticated(SHARE_LINK)
  @ApiCreatedResponse({ type: CreatedShareLinkResponseDto })
  @ApiProblem('FORBIDDEN', NOT_SHAREABLE_BY_CALLER)
  @ApiProblem('NOT_SHAREABLE', 'the canvas is PRIVATE: make it LINK or ORG first')
  shareCanvas(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) canvasId: string,
    @Body() dto: CreateShareLinkDto,
  ): Promise<CreatedShareLinkResponseDto> {
    return this.links.create(orgId, { canvasId }, dto);
  }

  /** The caller's links to the canvas (live, expired and revoked), newest first; tokens are not shown again. */
  @Get()
  @Authenticated(SHARE_LINK)
  @ApiOkResponse({ type: PageOf(ShareLinkResponseDto) })
  @ApiProblem('FORBIDDEN', NOT_SHAREABLE_BY_CALLER)
  listCanvasShareLinks(
    @OrgId() orgId: string,
    @Param('canvasId', UuidParamPipe) canvasId: string,
    @Query() query: PageQueryDto,
  ) {
    return this.links.list(orgId, { canvasId }, query);
  }
}

@ApiTag('share-links', TAG)
@Controller('v1/orgs/:orgId/share-links')
export class ShareLinksController {
  constructor(private readonly links: ShareLinksService) {}

  /** Revoke one of the caller's links (of a conversation or a canvas): it stops working at once. */
  @Delete(':linkId')
  @HttpCode(204)
  @Authenticated(SHARE_LINK)
  @ApiNoContentResponse({ description: 'Revoked (again: nothing changes)' })
  async revokeShareLink(@OrgId() orgId: string, @Param('linkId', UuidParamPipe) linkId: string): Promise<void> {
    await this.links.revoke(orgId, linkId);
  }
}

@ApiTag('share-links', TAG)
@ApiExtraModels(SharedConversationSnapshotDto, SharedCanvasSnapshotDto)
@Controller('v1/shared')
export class SharedController {
  constructor(private readonly links: ShareLinksService) {}

  /**
   * What a share link shows, read-only: a conversation with its messages, or a canvas. No
   * credentials needed, unless the organization requires signed-in readers
   * (`sharedLinksRequireSignIn` in its feature flags): then any account's bearer token.
   */
  @Get(':token')
  @PublicReadsCaller()
  @NoRequestTransaction()
  @ApiParam({
    name: 'token',
    description: 'The link token from the share answer (43 characters, base64url)',
    schema: { type: 'string', minLength: 43, maxLength: 43, pattern: '^[A-Za-z0-9_-]{43}$' },
  })
  @ApiOkResponse({ schema: SHARED_SNAPSHOT_SCHEMA })
  @ApiProblem('NOT_FOUND', 'the token is unknown, revoked or expired, or its target is gone (one answer for all)')
  @ApiProblem('UNAUTHENTICATED', 'the organization requires signed-in readers, or the credentials sent are invalid')
  readShared(@Param('token') token: string): Promise<SharedSnapshotDto> {
    return this.links.read(token);
  }
}
