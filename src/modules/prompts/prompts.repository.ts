import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, TIME_CURSOR, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import { Prisma, type PromptVersion } from '../../generated/prisma/client';
import type { PromptStatus, PromptType } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

const WITH_LABELS = {
  labels: { select: { label: true, version: true }, orderBy: { label: 'asc' } },
} as const satisfies Prisma.PromptInclude;

/** A prompt as stored, with its stored labels (`latest` is not stored). */
export type PromptRow = Prisma.PromptGetPayload<{ include: typeof WITH_LABELS }>;
export type PromptVersionRow = PromptVersion;
export interface PromptLabelRow {
  label: string;
  version: number;
}

export interface PromptData {
  name: string;
  description?: string | null;
  type?: PromptType;
  content: string;
  config?: Record<string, unknown> | null;
  tags?: string[];
  status?: PromptStatus;
}

/** Lists go newest change first: keyset pagination on the (orgId, updatedAt, id) index. */
export const PROMPT_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;
/** Versions go newest first (they are made in version order). */
export const PROMPT_VERSION_ORDER = TIME_CURSOR;

/** A nullable JSON column: null must be spelled DbNull for Prisma. */
function json(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull | undefined {
  if (value === undefined) return undefined;
  return value === null ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. Writes go
 * through AuditedWrites. A prompt's content, type and config are those of its newest version:
 * the writes that change them write that version in the same transaction.
 */
@Injectable()
export class PromptsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: PromptData, createdByUserId: string | null): Promise<PromptRow> {
    return this.audited.create('prompt', async () => {
      const prompt = await this.db.client.prompt.create({
        data: { ...data, config: json(data.config), orgId, createdByUserId, latestVersion: 1 },
        include: WITH_LABELS,
      });
      await this.writeVersion(prompt, createdByUserId);
      return prompt;
    });
  }

  list(
    orgId: string,
    options: {
      take: number;
      after?: Cursor<typeof PROMPT_ORDER>;
      status?: PromptStatus;
      tag?: string;
      search?: string;
    },
  ): Promise<PromptRow[]> {
    const page = keyset(PROMPT_ORDER, 'desc', options.after);
    return this.db.client.prompt.findMany({
      where: {
        orgId,
        status: options.status,
        tags: options.tag ? { has: options.tag } : undefined,
        name: options.search ? { contains: options.search, mode: 'insensitive' } : undefined,
        AND: page.where,
      },
      orderBy: page.orderBy,
      take: options.take,
      include: WITH_LABELS,
    });
  }

  count(orgId: string): Promise<number> {
    return this.db.client.prompt.count({ where: { orgId } });
  }

  findById(orgId: string, id: string): Promise<PromptRow | null> {
    return this.db.client.prompt.findFirst({ where: { orgId, id }, include: WITH_LABELS });
  }

  findByName(orgId: string, name: string): Promise<PromptRow | null> {
    return this.db.client.prompt.findFirst({ where: { orgId, name }, include: WITH_LABELS });
  }

  /**
   * Null when there is no such prompt; 412 VERSION_CONFLICT when `expected` is not its revision.
   * A change of content, type or config writes version latestVersion + 1.
   */
  update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    data: Partial<PromptData>,
    userId: string | null,
  ): Promise<PromptRow | null> {
    return this.audited.update(
      'prompt',
      () => this.lock(orgId, id),
      async (before) => {
        const changesContent =
          (data.content !== undefined && data.content !== before.content) ||
          (data.type !== undefined && data.type !== before.type) ||
          (data.config !== undefined && !isDeepStrictEqual(data.config, before.config));
        const after = await this.db.client.prompt.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: {
            ...data,
            config: json(data.config),
            latestVersion: changesContent ? before.latestVersion + 1 : undefined,
            version: { increment: 1 },
          },
          include: WITH_LABELS,
        });
        if (changesContent) await this.writeVersion(after, userId);
        return after;
      },
    );
  }

  /** As update: null when there is none, 412 on a stale `expected`. Versions and labels go with it. */
  delete(orgId: string, id: string, expected: ExpectedVersion): Promise<PromptRow | null> {
    return this.audited.delete(
      'prompt',
      () => this.lock(orgId, id),
      (before) =>
        this.db.client.prompt.delete({ where: { id, orgId, version: matchVersion(before.version, expected) } }),
    );
  }

  listVersions(
    orgId: string,
    promptId: string,
    options: { take: number; after?: Cursor<typeof PROMPT_VERSION_ORDER> },
  ): Promise<PromptVersionRow[]> {
    const page = keyset(PROMPT_VERSION_ORDER, 'desc', options.after);
    return this.db.client.promptVersion.findMany({
      where: { orgId, promptId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  findVersion(orgId: string, promptId: string, version: number): Promise<PromptVersionRow | null> {
    return this.db.client.promptVersion.findFirst({ where: { orgId, promptId, version } });
  }

  labels(orgId: string, promptId: string): Promise<PromptLabelRow[]> {
    return this.db.client.promptLabel.findMany({
      where: { orgId, promptId },
      select: { label: true, version: true },
      orderBy: { label: 'asc' },
    });
  }

  /** Points `label` at `version` (which must exist), creating the label or moving it; audited either way. */
  async setLabel(
    orgId: string,
    promptId: string,
    label: string,
    version: number,
    userId: string | null,
  ): Promise<PromptLabelRow> {
    const select = { id: true, label: true, version: true } as const;
    const lock = async () => {
      await this.db.client.$executeRaw`SELECT 1 FROM prompt_labels
        WHERE "orgId" = ${orgId}::uuid AND "promptId" = ${promptId}::uuid AND label = ${label} FOR UPDATE`;
      return this.db.client.promptLabel.findFirst({ where: { orgId, promptId, label }, select });
    };
    const moved = await this.audited.update('prompt_label', lock, (before) =>
      this.db.client.promptLabel.update({
        where: { id: before.id, orgId },
        data: { version, updatedByUserId: userId },
        select,
      }),
    );
    return (
      moved ??
      this.audited.create('prompt_label', () =>
        this.db.client.promptLabel.create({
          data: { orgId, promptId, label, version, updatedByUserId: userId },
          select,
        }),
      )
    );
  }

  /** The org's variables among `keys`, by key. */
  async variableValues(orgId: string, keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.client.variable.findMany({
      where: { orgId, key: { in: keys } },
      select: { key: true, value: true },
    });
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  private async writeVersion(prompt: PromptRow, createdByUserId: string | null): Promise<void> {
    await this.db.client.promptVersion.create({
      data: {
        orgId: prompt.orgId,
        promptId: prompt.id,
        version: prompt.latestVersion,
        type: prompt.type,
        content: prompt.content,
        config: json(prompt.config),
        description: prompt.description,
        createdByUserId,
      },
    });
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<PromptRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM prompts WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
