import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProduces,
} from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Authenticated, NoRequestTransaction, OrgId } from '../../common/auth/decorators';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import { AppConfig } from '../../config/app-config';
import { contentDisposition } from './attachment-files';
import { AttachmentsService } from './attachments.service';
import { AttachmentResponseDto } from './dto/attachment.dto';
import { readUpload, UPLOAD_FIELD } from './upload';

/** Conversations are their creator's: the conversations scope covers their files. */
const ATTACHMENT = { tenant: true, role: 'VIEWER', scope: 'conversations' } as const;

@ApiTag('attachments', "Files of a conversation, uploaded by its creator and sent with a message's attachmentIds.")
@Controller('v1/orgs/:orgId/conversations/:conversationId/attachments')
export class AttachmentsController {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Upload one file (multipart/form-data, part `file`) to send with a later message. Size and
   * types are limited by the server's configuration (ATTACHMENT_MAX_BYTES, ATTACHMENT_CONTENT_TYPES).
   * No Idempotency-Key: the file is received outside a transaction; a retry makes a second file.
   */
  @Post()
  @NoRequestTransaction()
  @RouteConfig({ multipart: true })
  @Authenticated(ATTACHMENT)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [UPLOAD_FIELD],
      properties: {
        [UPLOAD_FIELD]: {
          type: 'string',
          format: 'binary',
          // The default of ATTACHMENT_MAX_BYTES; the server's own setting decides.
          maxLength: new AppConfig().ATTACHMENT_MAX_BYTES,
          description: "The file: the part's Content-Type is its type, its filename its name",
        },
      },
    },
  })
  @ApiCreatedResponse({ type: AttachmentResponseDto })
  @ApiProblem('FORBIDDEN', 'the caller did not make the conversation (or is an API key)')
  @ApiProblem('PAYLOAD_TOO_LARGE', 'the file is larger than ATTACHMENT_MAX_BYTES')
  @ApiProblem(
    'UNSUPPORTED_MEDIA_TYPE',
    'the body is not multipart/form-data, the file type is not allowed, or its bytes are not of that type',
  )
  async upload(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Req() request: FastifyRequest,
  ): Promise<AttachmentResponseDto> {
    return this.attachments.upload(orgId, conversationId, () => readUpload(request, this.config.ATTACHMENT_MAX_BYTES));
  }

  /** The conversation's attachments, oldest first. */
  @Get()
  @Authenticated(ATTACHMENT)
  @ApiOkResponse({ type: PageOf(AttachmentResponseDto) })
  list(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Query() query: PageQueryDto,
  ) {
    return this.attachments.list(orgId, conversationId, query);
  }

  @Get(':attachmentId')
  @Authenticated(ATTACHMENT)
  @ApiOkResponse({ type: AttachmentResponseDto })
  get(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Param('attachmentId', UuidParamPipe) id: string,
  ): Promise<AttachmentResponseDto> {
    return this.attachments.get(orgId, conversationId, id);
  }

  /** The file's bytes, with its content type, as a download (Content-Disposition: attachment). */
  @Get(':attachmentId/content')
  @Authenticated(ATTACHMENT)
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({
    description: 'The bytes as uploaded',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  async content(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Param('attachmentId', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const file = await this.attachments.content(orgId, conversationId, id);
    void reply.header('Content-Disposition', contentDisposition(file.fileName));
    // Never rendered in the API's origin, whatever the type.
    void reply.header('Content-Security-Policy', "default-src 'none'; sandbox");
    return new StreamableFile(file.bytes, { type: file.contentType, length: file.bytes.length });
  }

  /** Delete an attachment not yet sent with a message; its file is deleted by the next sweep. */
  @Delete(':attachmentId')
  @HttpCode(204)
  @Authenticated(ATTACHMENT)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem('FORBIDDEN', 'the caller did not make the conversation (or is an API key)')
  @ApiProblem('ATTACHMENT_SENT', 'the attachment was sent with a message')
  async remove(
    @OrgId() orgId: string,
    @Param('conversationId', UuidParamPipe) conversationId: string,
    @Param('attachmentId', UuidParamPipe) id: string,
  ): Promise<void> {
    await this.attachments.remove(orgId, conversationId, id);
  }
}
