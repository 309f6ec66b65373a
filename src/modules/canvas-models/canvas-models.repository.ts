import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, TIME_CURSOR, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import type { CanvasModel, CanvasModelVersion, Prisma } from '../../generated/prisma/client';
import { AuditedWrites } from '../audit/audited-writes';

export type CanvasModelRow = CanvasModel;
export type CanvasModelVersionRow = CanvasModelVersion;

/** What a write may change of a model (publish and soft delete included). */
export interface CanvasModelChanges {
  name?: string;
  description?: string | null;
  schema?: Record<string, unknown>;
  isPublished?: boolean;
  publishedAt?: Date;
  deletedAt?: Date | null;
}

export interface CanvasModelData {
  name: string;
  description?: string | null;
  schema: Record<string, unknown>;
}

/** Lists go newest change first: keyset pagination on (updatedAt, id). */
export const CANVAS_MODEL_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;
/** Versions go newest first (they are made in version order). */
export const CANVAS_MODEL_VERSION_ORDER = TIME_CURSOR;

/**
 * Every method takes orgId first and filters on it (tenancy layer 2); RLS is layer 3. Writes go
 * through AuditedWrites. `version` is the row's revision (the ETag); published versions live in
 * canvas_model_versions, numbered 1, 2, … and immutable (a trigger refuses updates).
 */
@Injectable()
export class CanvasModelsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  create(orgId: string, data: CanvasModelData, createdByUserId: string | null): Promise<CanvasModelRow> {
    return this.audited.create('canvas_model', () =>
      this.db.client.canvasModel.create({
        data: { ...data, schema: data.schema as Prisma.InputJsonValue, orgId, createdByUserId },
      }),
    );
  }

  /** Live models, or (deleted) the soft-deleted ones. */
  list(
    orgId: string,
    options: { take: number; after?: Cursor<typeof CANVAS_MODEL_ORDER>; deleted: boolean },
  ): Promise<CanvasModelRow[]> {
    const page = keyset(CANVAS_MODEL_ORDER, 'desc', options.after);
    return this.db.client.canvasModel.findMany({
      where: { orgId, deletedAt: options.deleted ? { not: null } : null, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  /** Live models count against the plan limit; deleted ones do not (a restore checks again). */
  count(orgId: string): Promise<number> {
    return this.db.client.canvasModel.count({ where: { orgId, deletedAt: null } });
  }

  findById(orgId: string, id: string): Promise<CanvasModelRow | null> {
    return this.db.client.canvasModel.findFirst({ where: { orgId, id } });
  }

  /**
   * Null when there is no such model (or `deleted` does not match its state); 412
   * VERSION_CONFLICT when `expected` is not its revision. `action` names the audit entry.
   */
  update(
    orgId: string,
    id: string,
    expected: ExpectedVersion,
    options: { deleted: boolean; action?: string },
    data: CanvasModelChanges,
  ): Promise<CanvasModelRow | null> {
    return this.audited.update(
      'canvas_model',
      async () => {
        const row = await this.lock(orgId, id);
        return row && (row.deletedAt !== null) === options.deleted ? row : null;
      },
      (before) =>
        this.db.client.canvasModel.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: { ...data, schema: data.schema as Prisma.InputJsonValue | undefined, version: { increment: 1 } },
        }),
      { action: options.action },
    );
  }

  /** The newest published version's number (0 when none). */
  async latestVersion(orgId: string, modelId: string): Promise<number> {
    const row = await this.db.client.canvasModelVersion.findFirst({
      where: { orgId, modelId },
      orderBy: { version: 'desc' },
      select: { version: true },
    });
    return row?.version ?? 0;
  }

  createVersion(model: CanvasModelRow, version: number, userId: string | null): Promise<CanvasModelVersionRow> {
    return this.audited.create('canvas_model_version', () =>
      this.db.client.canvasModelVersion.create({
        data: {
          orgId: model.orgId,
          modelId: model.id,
          version,
          schema: model.schema as Prisma.InputJsonValue,
          createdByUserId: userId,
        },
      }),
    );
  }

  listVersions(
    orgId: string,
    modelId: string,
    options: { take: number; after?: Cursor<typeof CANVAS_MODEL_VERSION_ORDER> },
  ): Promise<CanvasModelVersionRow[]> {
    const page = keyset(CANVAS_MODEL_VERSION_ORDER, 'desc', options.after);
    return this.db.client.canvasModelVersion.findMany({
      where: { orgId, modelId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  /** The row, locked until the transaction ends, so no concurrent write lands between read and write. */
  private async lock(orgId: string, id: string): Promise<CanvasModelRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM canvas_models WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.findById(orgId, id);
  }
}
