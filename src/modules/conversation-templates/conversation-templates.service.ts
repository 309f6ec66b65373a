import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, type Page } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { LATEST } from '../prompts/dto/prompt.dto';
import {
  ConversationTemplatesRepository,
  TEMPLATE_ORDER,
  type ConversationTemplateData,
  type ConversationTemplateRow,
} from './conversation-templates.repository';
import {
  toConversationTemplateResponse,
  type ConversationTemplateResponseDto,
  type CreateConversationTemplateDto,
  type ListConversationTemplatesQueryDto,
  type UpdateConversationTemplateDto,
} from './dto/conversation-template.dto';

type SystemPromptSource = Pick<ConversationTemplateData, 'systemPrompt' | 'promptId' | 'promptLabel'>;

/**
 * Named ways to start a conversation (seed 002): a system prompt as text or a workbench prompt at
 * a label, a model and a first message. Org-owned: members read, EDITOR+ write (the routes).
 */
@Injectable()
export class ConversationTemplatesService {
  constructor(
    private readonly repository: ConversationTemplatesRepository,
    private readonly context: RequestContext,
  ) {}

  async create(orgId: string, dto: CreateConversationTemplateDto): Promise<ConversationTemplateResponseDto> {
    if (dto.systemPrompt && dto.promptId) throw bothSources();
    await this.checkSource(orgId, dto);
    const row = await this.repository.create(orgId, dto, this.context.userId ?? null);
    return toConversationTemplateResponse(row);
  }

  list(orgId: string, query: ListConversationTemplatesQueryDto): Promise<Page<ConversationTemplateResponseDto>> {
    return paginate(
      query,
      TEMPLATE_ORDER,
      (page) => this.repository.list(orgId, { ...page, search: query.q }),
      toConversationTemplateResponse,
    );
  }

  async get(orgId: string, id: string): Promise<ConversationTemplateResponseDto> {
    return toConversationTemplateResponse(await this.find(orgId, id));
  }

  /**
   * Setting one system prompt source clears the other (and a new promptId the old label); the
   * result must still have exactly one.
   */
  async update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    dto: UpdateConversationTemplateDto,
  ): Promise<ConversationTemplateResponseDto> {
    if (dto.systemPrompt && dto.promptId) throw bothSources();
    const data: Partial<ConversationTemplateData> = { ...dto };
    // A new prompt drops the old one's label unless the body names one.
    if (dto.promptId) Object.assign(data, { systemPrompt: null, promptLabel: dto.promptLabel ?? null });
    if (dto.systemPrompt) Object.assign(data, { promptId: null, promptLabel: null });
    const current = await this.find(orgId, id);
    await this.checkSource(orgId, { ...pickSource(current), ...pickSource(data) });
    return toConversationTemplateResponse(
      orNotFound(await this.repository.update(orgId, id, expected, data), 'Conversation template'),
    );
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id, expected), 'Conversation template');
  }

  /**
   * Exactly one of systemPrompt and promptId (400); the prompt and its label exist in this org
   * (404: a prompt of another org is not found).
   */
  private async checkSource(orgId: string, source: SystemPromptSource): Promise<void> {
    if (!source.systemPrompt && !source.promptId)
      throw new AppException('VALIDATION_FAILED', 'A template needs a systemPrompt or a promptId', [
        { field: 'systemPrompt', messages: ['give systemPrompt or promptId'] },
      ]);
    if (source.promptLabel && !source.promptId)
      throw new AppException('VALIDATION_FAILED', 'promptLabel is given with promptId', [
        { field: 'promptLabel', messages: ['promptLabel needs promptId'] },
      ]);
    if (!source.promptId) return;
    if (!(await this.repository.promptExists(orgId, source.promptId))) throw AppException.notFound('Prompt');
    const label = source.promptLabel;
    if (label && label !== LATEST && !(await this.repository.labelExists(orgId, source.promptId, label)))
      throw AppException.notFound(`Label ${label} of the prompt`);
  }

  private async find(orgId: string, id: string): Promise<ConversationTemplateRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'Conversation template');
  }
}

function pickSource(row: Partial<ConversationTemplateData>): SystemPromptSource {
  const source: SystemPromptSource = {};
  for (const key of ['systemPrompt', 'promptId', 'promptLabel'] as const) if (key in row) source[key] = row[key];
  return source;
}

function bothSources(): AppException {
  return new AppException('VALIDATION_FAILED', 'Give systemPrompt or promptId, not both', [
    { field: 'promptId', messages: ['systemPrompt and promptId are exclusive'] },
  ]);
}
