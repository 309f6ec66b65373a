import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { ConversationTemplatesService } from './conversation-templates.service';
import {
  ConversationTemplateResponseDto,
  CreateConversationTemplateDto,
  ListConversationTemplatesQueryDto,
  UpdateConversationTemplateDto,
} from './dto/conversation-template.dto';

/** Templates are chat configuration: the conversations scope covers them. */
const TEMPLATE = { tenant: true, scope: 'conversations' } as const;

@ApiTag(
  'conversation-templates',
  'Named ways to start a conversation: a system prompt (or a workbench prompt at a label), a model, a first message.',
)
@Controller('v1/orgs/:orgId/conversation-templates')
@SendsETag()
export class ConversationTemplatesController {
  constructor(private readonly templates: ConversationTemplatesService) {}

  /** Create a template; its name is unique in the organization. */
  @Post()
  @Authenticated({ ...TEMPLATE, role: 'EDITOR' })
  @ApiCreatedResponse({ type: ConversationTemplateResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  create(@OrgId() orgId: string, @Body() dto: CreateConversationTemplateDto): Promise<ConversationTemplateResponseDto> {
    return this.templates.create(orgId, dto);
  }

  /** List templates by name. */
  @Get()
  @Authenticated({ ...TEMPLATE, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(ConversationTemplateResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListConversationTemplatesQueryDto) {
    return this.templates.list(orgId, query);
  }

  @Get(':templateId')
  @Authenticated({ ...TEMPLATE, role: 'VIEWER' })
  @ApiOkResponse({ type: ConversationTemplateResponseDto, headers: ETAG_HEADER })
  get(
    @OrgId() orgId: string,
    @Param('templateId', UuidParamPipe) id: string,
  ): Promise<ConversationTemplateResponseDto> {
    return this.templates.get(orgId, id);
  }

  /** Change a template: If-Match carries the ETag it was read with. */
  @Patch(':templateId')
  @Authenticated({ ...TEMPLATE, role: 'EDITOR' })
  @ApiOkResponse({ type: ConversationTemplateResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  update(
    @OrgId() orgId: string,
    @Param('templateId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdateConversationTemplateDto,
  ): Promise<ConversationTemplateResponseDto> {
    return this.templates.update(orgId, id, expected, dto);
  }

  /** Delete a template (If-Match: its ETag); conversations started from it keep their settings. */
  @Delete(':templateId')
  @HttpCode(204)
  @Authenticated({ ...TEMPLATE, role: 'EDITOR' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(
    @OrgId() orgId: string,
    @Param('templateId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.templates.remove(orgId, id, expected);
  }
}
