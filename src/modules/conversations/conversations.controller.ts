import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { ConversationsService } from './conversations.service';
import {
  ConversationResponseDto,
  CreateConversationDto,
  ForkConversationDto,
  UpdateConversationDto,
} from './dto/conversation.dto';

/** Any member chats, in conversations of their own; API keys read those shared with the org. */
export const CHAT = { tenant: true, role: 'VIEWER', scope: 'conversations' } as const;
const LOCATION = { Location: { description: 'The new conversation', schema: { type: 'string' } } };

@ApiTag('conversations', 'Chat conversations with a model, private to their creator (the `chat` feature).')
@Controller('v1/orgs/:orgId/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  /** Start a conversation, empty or from a template (whose first message becomes an assistant greeting). */
  @Post()
  @Authenticated(CHAT)
  @ApiCreatedResponse({ type: ConversationResponseDto, headers: LOCATION })
  @ApiProblem('PROVIDER_KEY_UNUSABLE', 'the provider key is deactivated or has no base URL')
  @ApiProblem('MISSING_VARIABLE', "a placeholder of the conversation's prompt has no value")
  async create(
    @OrgId() orgId: string,
    @Body() dto: CreateConversationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationResponseDto> {
    return located(reply, orgId, await this.conversations.create(orgId, dto));
  }

  /** The caller's conversations, most recently active first (a new message moves one to the top). */
  @Get()
  @Authenticated(CHAT)
  @ApiOkResponse({ type: PageOf(ConversationResponseDto) })
  list(@OrgId() orgId: string, @Query() query: PageQueryDto) {
    return this.conversations.list(orgId, query);
  }

  @Get(':conversationId')
  @Authenticated(CHAT)
  @ApiOkResponse({ type: ConversationResponseDto })
  get(@OrgId() orgId: string, @Param('conversationId', UuidParamPipe) id: string): Promise<ConversationResponseDto> {
    return this.conversations.get(orgId, id);
  }

  /** Change the title or settings; the next reply uses them. */
  @Patch(':conversationId')
  @Authenticated(CHAT)
  @ApiOkResponse({ type: ConversationResponseDto })
  @ApiProblem('PROVIDER_KEY_UNUSABLE', 'the provider key is deactivated or has no base URL')
  @ApiProblem('MISSING_VARIABLE', "a placeholder of the conversation's prompt has no value")
  update(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) id: string,
    @Body() dto: UpdateConversationDto,
  ): Promise<ConversationResponseDto> {
    return this.conversations.update(orgId, id, dto);
  }

  /** Delete a conversation with its messages and attachments. */
  @Delete(':conversationId')
  @HttpCode(204)
  @Authenticated(CHAT)
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@OrgId() orgId: string, @Param('conversationId', UuidParamPipe) id: string): Promise<void> {
    await this.conversations.remove(orgId, id);
  }

  /** A new conversation of the caller, same settings, holding the branch from the root to `messageId`. */
  @Post(':conversationId/fork')
  @Authenticated(CHAT)
  @ApiCreatedResponse({ type: ConversationResponseDto, headers: LOCATION })
  @ApiOperation({ operationId: 'forkConversation' })
  async fork(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) id: string,
    @Body() dto: ForkConversationDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ConversationResponseDto> {
    return located(reply, orgId, await this.conversations.fork(orgId, id, dto.messageId));
  }
}

function located(reply: FastifyReply, orgId: string, conversation: ConversationResponseDto): ConversationResponseDto {
  reply.header('Location', `/v1/orgs/${orgId}/conversations/${conversation.id}`);
  return conversation;
}
