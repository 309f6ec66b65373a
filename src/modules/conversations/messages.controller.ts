import { PassThrough } from 'node:stream';
import {
  applyDecorators,
  Body,
  Controller,
  type Type,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { RequestTimeout } from '../../common/http/request-timeout';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf } from '../../common/pagination/pagination';
import { CHAT } from './conversations.controller';
import {
  ExchangeResponseDto,
  ListMessagesQueryDto,
  MessageResponseDto,
  PostMessageDto,
  ReplyOptionsDto,
} from './dto/message.dto';
import { MessagesService, type PendingReply } from './messages.service';

const REPLY_TIMEOUT_MS = 610_000;

const EVENTS =
  'With `Accept: text/event-stream`, server-sent events instead: `message` (the stored user message, ' +
  'on a post), `delta` (`{text}`, each fragment), then `done` (the stored reply) or `error` ' +
  '(`{code, detail, assistantMessage}`: what arrived before the failure, stored as incomplete, or null).';

/** Replies to a user message: a post, or a regenerate; each is one model call and counts against the chat rate limit. */
function ReplyRoute(operationId: string, type: Type, description: string) {
  return applyDecorators(
    NoRequestTransaction(),
    // The model call is bounded by LLM_TIMEOUT_MS (600 s at most); the request's deadline must not
    // cut a reply short once its user message is stored.
    RequestTimeout(REPLY_TIMEOUT_MS),
    Authenticated(CHAT),
    ApiExtraModels(type),
    ApiCreatedResponse({
      description: `${description} ${EVENTS}`,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(type) } },
        'text/event-stream': { schema: { type: 'string' } },
      },
    }),
    ApiProblem('RATE_LIMITED', "the caller's chat messages per minute for the org's tier are spent"),
    ApiProblem('MODEL_CALL_FAILED', 'the provider failed or refused the call; the user message stays stored'),
    ApiProblem('PROVIDER_KEY_UNUSABLE', 'no usable provider key: none set and no org default, or deactivated'),
    ApiProblem('MISSING_VARIABLE', "a placeholder of the conversation's prompt has no value"),
    ApiOperation({ operationId }),
  );
}

@ApiTag('conversations')
@Controller('v1/orgs/:orgId/conversations/:conversationId/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /**
   * Messages oldest first: all of them (every branch), or with `leafId` the branch from the
   * root to that message. Each names its siblings (the branches at its place).
   */
  @Get()
  @Authenticated(CHAT)
  @ApiOkResponse({ type: PageOf(MessageResponseDto) })
  list(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Query() query: ListMessagesQueryDto,
  ) {
    return this.messages.list(orgId, conversationId, query);
  }

  /**
   * Send a message and get the model's reply, both stored. `parentId` defaults to the
   * conversation's most recent message; an earlier one starts a new branch (an edit).
   */
  @Post()
  @ReplyRoute('postMessage', ExchangeResponseDto, 'The stored user message and reply.')
  async post(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Body() dto: PostMessageDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExchangeResponseDto | StreamableFile> {
    const pending = await this.messages.begin(orgId, conversationId, dto);
    return wantsEvents(request) ? this.events(pending, reply) : this.messages.exchange(pending);
  }

  /**
   * A new reply beside an assistant message (same parent: a sibling), or to a user message
   * (one whose reply failed). `model` switches the model for this reply.
   */
  @Post(':messageId/regenerate')
  @ReplyRoute('regenerateMessage', MessageResponseDto, 'The stored reply.')
  async regenerate(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Param('messageId', UuidParamPipe) messageId: string,
    @Body() dto: ReplyOptionsDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessageResponseDto | StreamableFile> {
    const pending = await this.messages.beginRegenerate(orgId, conversationId, messageId, dto);
    return wantsEvents(request) ? this.events(pending, reply) : this.messages.complete(pending);
  }

  /** The reply as server-sent events; the client going away aborts the model call. */
  private events(pending: PendingReply, reply: FastifyReply): StreamableFile {
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    reply.header('Cache-Control', 'no-cache').header('X-Accel-Buffering', 'no');
    const out = new PassThrough();
    void this.messages
      .stream(
        pending,
        ({ event, data }) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        gone.signal,
      )
      .finally(() => out.end());
    return new StreamableFile(out, { type: 'text/event-stream; charset=utf-8' });
  }
}

function wantsEvents(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}
