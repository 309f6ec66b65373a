import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Param,
  Patch,
  Post,
  Put,
  Query,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiParam,
} from '@nestjs/swagger';
import { Authenticated, OrgId } from '../../common/auth/decorators';
import { AppException } from '../../common/errors/app-exception';
import { ETAG_HEADER, IfMatch, SendsETag, type ExpectedVersion } from '../../common/http/etag';
import { UuidParamPipe } from '../../common/http/uuid-param.pipe';
import { ApiProblem } from '../../common/openapi/api-problem';
import { ApiTag } from '../../common/openapi/api-tag';
import { PageOf, PageQueryDto } from '../../common/pagination/pagination';
import {
  CreatePromptDto,
  DuplicatePromptDto,
  LABEL,
  ListPromptsQueryDto,
  PromptByNameQueryDto,
  PromptResponseDto,
  PromptVersionResponseDto,
  RenderedPromptResponseDto,
  RenderPromptDto,
  ResolvedPromptResponseDto,
  SetPromptLabelDto,
  UpdatePromptDto,
} from './dto/prompt.dto';
import { PromptsService } from './prompts.service';

/** A version number in the path: anything but a positive integer names no version (404). */
@Injectable()
class VersionParamPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,8}$/.test(value)) throw AppException.notFound('Prompt version');
    return Number(value);
  }
}

/** A label in the path: lower-case words (400 otherwise). */
@Injectable()
class LabelParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!LABEL.test(value))
      throw new AppException('VALIDATION_FAILED', 'The label is not valid', [
        { field: 'label', messages: ['label must be lower-case letters, digits, _ or - (at most 50)'] },
      ]);
    return value;
  }
}

const PROMPT = { tenant: true, scope: 'prompts' } as const;

@ApiTag('prompts', 'Prompts with immutable versions and labels; render fills {{name}} from variables.')
@Controller('v1/orgs/:orgId/prompts')
export class PromptsController {
  constructor(private readonly prompts: PromptsService) {}

  /** Create a prompt (version 1); its name is unique in the organization. */
  @Post()
  @SendsETag()
  @Authenticated({ ...PROMPT, role: 'EDITOR' })
  @ApiCreatedResponse({ type: PromptResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  create(@OrgId() orgId: string, @Body() dto: CreatePromptDto): Promise<PromptResponseDto> {
    return this.prompts.create(orgId, dto);
  }

  /** List prompts, most recently changed first. */
  @Get()
  @Authenticated({ ...PROMPT, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(PromptResponseDto) })
  list(@OrgId() orgId: string, @Query() query: ListPromptsQueryDto) {
    return this.prompts.list(orgId, query);
  }

  /**
   * The version of a prompt a label (`production` when none is given; `latest` is the newest) or
   * a version number selects, by the prompt's name: what an application fetches.
   */
  @Get('by-name/:name')
  @Authenticated({ ...PROMPT, role: 'VIEWER' })
  @ApiParam({ name: 'name', description: 'The prompt name', schema: { type: 'string', maxLength: 200 } })
  @ApiOkResponse({ type: ResolvedPromptResponseDto })
  byName(
    @OrgId() orgId: string,
    @Param('name') name: string,
    @Query() query: PromptByNameQueryDto,
  ): Promise<ResolvedPromptResponseDto> {
    return this.prompts.byName(orgId, name, query);
  }

  @Get(':promptId')
  @SendsETag()
  @Authenticated({ ...PROMPT, role: 'VIEWER' })
  @ApiOkResponse({ type: PromptResponseDto, headers: ETAG_HEADER })
  get(@OrgId() orgId: string, @Param('promptId', UuidParamPipe) id: string): Promise<PromptResponseDto> {
    return this.prompts.get(orgId, id);
  }

  /** Change a prompt (If-Match: its ETag). A change of content, type or config makes a new version. */
  @Patch(':promptId')
  @SendsETag()
  @Authenticated({ ...PROMPT, role: 'EDITOR' })
  @ApiOkResponse({ type: PromptResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  update(
    @OrgId() orgId: string,
    @Param('promptId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
    @Body() dto: UpdatePromptDto,
  ): Promise<PromptResponseDto> {
    return this.prompts.update(orgId, id, expected, dto);
  }

  /** Delete a prompt with its versions and labels (If-Match: its ETag). */
  @Delete(':promptId')
  @HttpCode(204)
  @Authenticated({ ...PROMPT, role: 'EDITOR' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(
    @OrgId() orgId: string,
    @Param('promptId', UuidParamPipe) id: string,
    @IfMatch() expected: ExpectedVersion,
  ): Promise<void> {
    await this.prompts.remove(orgId, id, expected);
  }

  /** The prompt's versions, newest first. */
  @Get(':promptId/versions')
  @Authenticated({ ...PROMPT, role: 'VIEWER' })
  @ApiOkResponse({ type: PageOf(PromptVersionResponseDto) })
  listVersions(@OrgId() orgId: string, @Param('promptId', UuidParamPipe) id: string, @Query() query: PageQueryDto) {
    return this.prompts.listVersions(orgId, id, query);
  }

  @Get(':promptId/versions/:version')
  @Authenticated({ ...PROMPT, role: 'VIEWER' })
  @ApiParam({
    name: 'version',
    description: 'The version number',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 999999999 },
  })
  @ApiOkResponse({ type: PromptVersionResponseDto })
  getVersion(
    @OrgId() orgId: string,
    @Param('promptId', UuidParamPipe) id: string,
    @Param('version', VersionParamPipe) version: number,
  ): Promise<PromptVersionResponseDto> {
    return this.prompts.getVersion(orgId, id, version);
  }

  /** Point a label (`production`, `staging`, …) at a version, creating or moving it. */
  @Put(':promptId/labels/:label')
  @Authenticated({ ...PROMPT, role: 'EDITOR' })
  @ApiParam({
    name: 'label',
    description: 'Lower-case letters, digits, _ or -; not `latest`',
    schema: { type: 'string', maxLength: 50, pattern: LABEL.source },
  })
  @ApiOkResponse({ type: PromptVersionResponseDto, description: 'The version the label now points at' })
  setLabel(
    @OrgId() orgId: string,
    @Param('promptId', UuidParamPipe) id: string,
    @Param('label', LabelParamPipe) label: string,
    @Body() dto: SetPromptLabelDto,
  ): Promise<PromptVersionResponseDto> {
    return this.prompts.setLabel(orgId, id, label, dto.version);
  }

  /** Fill a version's {{name}} placeholders from `variables`, then the org's variables. Changes nothing. */
  @Post(':promptId/render')
  @HttpCode(200)
  @Authenticated({ ...PROMPT, role: 'VIEWER', readOnly: true })
  @ApiOkResponse({ type: RenderedPromptResponseDto })
  @ApiProblem('MISSING_VARIABLE', 'a placeholder has no value; `errors` names each')
  render(
    @OrgId() orgId: string,
    @Param('promptId', UuidParamPipe) id: string,
    @Body() dto: RenderPromptDto,
  ): Promise<RenderedPromptResponseDto> {
    return this.prompts.render(orgId, id, dto);
  }

  /** Copy a prompt's current content under a new name (a new prompt at version 1, DRAFT). */
  @Post(':promptId/duplicate')
  @SendsETag()
  @Authenticated({ ...PROMPT, role: 'EDITOR' })
  @ApiCreatedResponse({ type: PromptResponseDto, headers: ETAG_HEADER })
  @ApiConflictResponse({ description: 'DUPLICATE: the name is taken' })
  duplicate(
    @OrgId() orgId: string,
    @Param('promptId', UuidParamPipe) id: string,
    @Body() dto: DuplicatePromptDto,
  ): Promise<PromptResponseDto> {
    return this.prompts.duplicate(orgId, id, dto.name);
  }
}
