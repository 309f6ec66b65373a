import { Injectable } from '@nestjs/common';
import { AppException, orNotFound } from '../../common/errors/app-exception';
import { FeatureRegistry } from '../../common/features/feature-registry';
import type { ExpectedVersion } from '../../common/http/etag';
import { paginate, paginateChildren, type Page, type PageQueryDto } from '../../common/pagination/pagination';
import { RequestContext } from '../../common/tenancy/request-context';
import { PromptType } from '../../generated/prisma/enums';
import {
  LATEST,
  MAX_VALUE_LENGTH,
  toPromptResponse,
  toPromptVersionResponse,
  type CreatePromptDto,
  type ListPromptsQueryDto,
  type PromptResponseDto,
  type PromptVersionResponseDto,
  type PromptVersionSelectorDto,
  type RenderedPromptResponseDto,
  type RenderPromptDto,
  type ResolvedPromptResponseDto,
  type UpdatePromptDto,
} from './dto/prompt.dto';
import { fill, parseChat, placeholders, type ChatMessage } from './prompt-template';
import {
  PROMPT_ORDER,
  PROMPT_VERSION_ORDER,
  PromptsRepository,
  type PromptRow,
  type PromptVersionRow,
} from './prompts.repository';

/** What `by-name` serves when the request names neither a label nor a version. */
export const DEFAULT_LABEL = 'production';

/**
 * Prompts of an organization (seed 000) with immutable versions and labels pointing at them.
 * Machine clients fetch the labelled version by name and render it with the org's variables.
 */
@Injectable()
export class PromptsService {
  constructor(
    private readonly repository: PromptsRepository,
    private readonly context: RequestContext,
    private readonly features: FeatureRegistry,
  ) {}

  async create(orgId: string, dto: CreatePromptDto): Promise<PromptResponseDto> {
    checkContent(dto.type ?? PromptType.TEXT, dto.content);
    await this.features.assertCanAdd(orgId, 'prompts');
    return toPromptResponse(await this.repository.create(orgId, dto, this.userId()));
  }

  list(orgId: string, query: ListPromptsQueryDto): Promise<Page<PromptResponseDto>> {
    return paginate(
      query,
      PROMPT_ORDER,
      (page) => this.repository.list(orgId, { ...page, status: query.status, tag: query.tag, search: query.q }),
      toPromptResponse,
    );
  }

  async get(orgId: string, id: string): Promise<PromptResponseDto> {
    return toPromptResponse(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, expected: ExpectedVersion, dto: UpdatePromptDto): Promise<PromptResponseDto> {
    if (dto.content !== undefined || dto.type !== undefined) {
      const current = await this.find(orgId, id);
      checkContent(dto.type ?? current.type, dto.content ?? current.content);
    }
    return toPromptResponse(
      orNotFound(await this.repository.update(orgId, id, expected, dto, this.userId()), 'Prompt'),
    );
  }

  async remove(orgId: string, id: string, expected: ExpectedVersion): Promise<void> {
    orNotFound(await this.repository.delete(orgId, id, expected), 'Prompt');
  }

  async duplicate(orgId: string, id: string, name: string): Promise<PromptResponseDto> {
    const source = await this.find(orgId, id);
    await this.features.assertCanAdd(orgId, 'prompts');
    const { description, type, content, config, tags } = source;
    const copy = { name, description, type, content, config: config as Record<string, unknown> | null, tags };
    return toPromptResponse(await this.repository.create(orgId, copy, this.userId()));
  }

  async listVersions(orgId: string, id: string, query: PageQueryDto): Promise<Page<PromptVersionResponseDto>> {
    return paginateChildren(
      query,
      PROMPT_VERSION_ORDER,
      () => this.find(orgId, id),
      (page) => this.repository.listVersions(orgId, id, page),
      (row, prompt) => toPromptVersionResponse(row, prompt.latestVersion, prompt.labels),
    );
  }

  async getVersion(orgId: string, id: string, version: number): Promise<PromptVersionResponseDto> {
    const prompt = await this.find(orgId, id);
    return this.versionResponse(prompt, await this.version(orgId, prompt, version));
  }

  /** Points a label at a version; `latest` moves by itself and cannot be set. */
  async setLabel(orgId: string, id: string, label: string, version: number): Promise<PromptVersionResponseDto> {
    if (label === LATEST)
      throw new AppException('VALIDATION_FAILED', '`latest` always points at the newest version', [
        { field: 'label', messages: ['latest cannot be set'] },
      ]);
    const prompt = await this.find(orgId, id);
    const row = await this.version(orgId, prompt, version);
    await this.repository.setLabel(orgId, id, label, version, this.userId());
    return toPromptVersionResponse(row, prompt.latestVersion, await this.repository.labels(orgId, id));
  }

  /** The version a label or number selects, found by the prompt's name; `production` by default. */
  async byName(orgId: string, name: string, selector: PromptVersionSelectorDto): Promise<ResolvedPromptResponseDto> {
    const prompt = orNotFound(await this.repository.findByName(orgId, name), 'Prompt');
    const chosen = selector.label || selector.version ? selector : { label: DEFAULT_LABEL };
    const row = await this.resolve(orgId, prompt, chosen);
    return { ...(await this.versionResponse(prompt, row)), name: prompt.name };
  }

  /**
   * The selected version with its `{{name}}` placeholders filled from the request's variables,
   * then the org's; 422 MISSING_VARIABLE naming every placeholder left without a value.
   */
  async render(orgId: string, id: string, dto: RenderPromptDto): Promise<RenderedPromptResponseDto> {
    const given = requestVariables(dto.variables);
    const prompt = await this.find(orgId, id);
    const row = await this.resolve(orgId, prompt, dto);
    const names = placeholders(row.content);
    const stored = await this.repository.variableValues(
      orgId,
      names.filter((name) => !given.has(name)),
    );
    const values = new Map([...stored, ...given]);
    const missing = names.filter((name) => !values.has(name));
    if (missing.length > 0)
      throw new AppException(
        'MISSING_VARIABLE',
        `No value for ${missing.map((name) => `{{${name}}}`).join(', ')}: pass it in variables or create the variable`,
        missing.map((name) => ({ field: `variables.${name}`, messages: [`${name} has no value`] })),
      );
    const base = { promptId: prompt.id, name: prompt.name, version: row.version, type: row.type, config: row.config };
    if (row.type === PromptType.CHAT) {
      // Fill each message's content, not the JSON text, so a value cannot break out of its string.
      const messages = (parseChat(row.content) as ChatMessage[]).map((m) => ({
        role: m.role,
        content: fill(m.content, values),
      }));
      return { ...base, text: JSON.stringify(messages), messages };
    }
    return { ...base, text: fill(row.content, values) };
  }

  private async find(orgId: string, id: string): Promise<PromptRow> {
    return orNotFound(await this.repository.findById(orgId, id), 'Prompt');
  }

  private async version(orgId: string, prompt: PromptRow, version: number): Promise<PromptVersionRow> {
    return orNotFound(await this.repository.findVersion(orgId, prompt.id, version), 'Prompt version');
  }

  /** A label (latest included) or a version number; neither means the latest. */
  private async resolve(
    orgId: string,
    prompt: PromptRow,
    selector: PromptVersionSelectorDto,
  ): Promise<PromptVersionRow> {
    if (selector.label && selector.version)
      throw new AppException('VALIDATION_FAILED', 'Give a label or a version, not both', [
        { field: 'label', messages: ['label and version are exclusive'] },
      ]);
    if (selector.version) return this.version(orgId, prompt, selector.version);
    if (!selector.label || selector.label === LATEST) return this.version(orgId, prompt, prompt.latestVersion);
    const label = orNotFound(
      prompt.labels.find((l) => l.label === selector.label),
      `Label ${selector.label} of the prompt`,
    );
    return this.version(orgId, prompt, label.version);
  }

  private versionResponse(prompt: PromptRow, row: PromptVersionRow): PromptVersionResponseDto {
    return toPromptVersionResponse(row, prompt.latestVersion, prompt.labels);
  }

  private userId(): string | null {
    return this.context.userId ?? null;
  }
}

function checkContent(type: PromptType, content: string): void {
  if (type !== PromptType.CHAT) return;
  const parsed = parseChat(content);
  if (typeof parsed === 'string')
    throw new AppException('VALIDATION_FAILED', parsed, [{ field: 'content', messages: [parsed] }]);
}

/** The request's variables: string values only (a 400 otherwise). Runs check theirs with it too. */
export function requestVariables(variables: Record<string, unknown> | undefined): Map<string, string> {
  const entries = Object.entries(variables ?? {});
  const bad = entries.filter(([, value]) => typeof value !== 'string' || value.length > MAX_VALUE_LENGTH);
  if (bad.length > 0)
    throw new AppException(
      'VALIDATION_FAILED',
      'Variable values must be strings',
      bad.map(([name]) => ({
        field: `variables.${name}`,
        messages: [`${name} must be a string of at most ${MAX_VALUE_LENGTH} characters`],
      })),
    );
  return new Map(entries as [string, string][]);
}
