import { Injectable } from '@nestjs/common';
import { matchVersion, type ExpectedVersion } from '../../common/http/etag';
import { keyset, TIME_CURSOR, type Cursor, type CursorShape } from '../../common/pagination/pagination';
import {
  readableWhere,
  writableWhere,
  type CreatorOwnedModel,
  type OwnedRowCaller,
} from '../../common/tenancy/creator-owned';
import { DbContext } from '../../database/db-context';
import type { Canvas, CanvasVersion, Prisma } from '../../generated/prisma/client';
import type { CanvasVisibility } from '../../generated/prisma/enums';
import { AuditedWrites } from '../audit/audited-writes';

export type CanvasRow = Canvas;
export type CanvasVersionRow = CanvasVersion;
export type CanvasData = Record<string, unknown>;

/** The published schema a canvas follows. */
export interface ModelVersionRow {
  modelId: string;
  version: number;
  schema: CanvasData;
}

export interface NewCanvas {
  name: string;
  description?: string | null;
  modelId: string;
  modelVersion: number;
  data: CanvasData;
  visibility: CanvasVisibility;
}

/** What a write may change of a canvas (soft delete included). */
export interface CanvasChanges {
  name?: string;
  description?: string | null;
  modelVersion?: number;
  data?: CanvasData;
  visibility?: CanvasVisibility;
  deletedAt?: Date | null;
}

/** Who sees and changes canvases: the creator, and the org for ORG ones (EDITOR+ edits those). */
export const CANVASES: CreatorOwnedModel<Prisma.CanvasWhereInput> = {
  createdBy: (userId) => ({ createdByUserId: userId }),
  visibleToOrg: { visibility: 'ORG' },
  orgRowEditors: 'EDITOR',
};

/** Lists go newest change first: keyset pagination on (updatedAt, id). */
export const CANVAS_ORDER = { updatedAt: 'date', id: 'uuid' } as const satisfies CursorShape;
/** Versions go newest first. */
export const CANVAS_VERSION_ORDER = TIME_CURSOR;

/**
 * Every method takes orgId first and filters on it (tenancy layer 2), and the caller's
 * creator-owned rule where it reads or writes canvases; RLS is layer 3. `version` is the canvas's
 * revision (the ETag); each content save also writes canvas_versions at that revision (immutable).
 */
@Injectable()
export class CanvasesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly audited: AuditedWrites,
  ) {}

  /** A canvas and its first version (1). */
  async create(orgId: string, data: NewCanvas, createdByUserId: string): Promise<CanvasRow> {
    const canvas = await this.audited.create('canvas', () =>
      this.db.client.canvas.create({
        data: { ...data, data: data.data as Prisma.InputJsonValue, orgId, createdByUserId },
      }),
    );
    await this.writeVersion(canvas, createdByUserId);
    return canvas;
  }

  list(
    orgId: string,
    caller: OwnedRowCaller,
    options: { take: number; after?: Cursor<typeof CANVAS_ORDER>; deleted: boolean },
  ): Promise<CanvasRow[]> {
    const page = keyset(CANVAS_ORDER, 'desc', options.after);
    return this.db.client.canvas.findMany({
      where: {
        orgId,
        deletedAt: options.deleted ? { not: null } : null,
        AND: [readableWhere(CANVASES, caller), page.where],
      },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  /** Live canvases of the whole org (PRIVATE ones included), for the plan limit. */
  async count(orgId: string): Promise<number> {
    // The definer counts in the scope's org (the request's already: then this costs no query).
    const [row] = await this.db.run(
      { orgId },
      () => this.db.client.$queryRaw<{ count: bigint }[]>`SELECT app_live_canvas_count() AS count`,
    );
    return Number(row?.count ?? 0);
  }

  findById(orgId: string, id: string, caller: OwnedRowCaller): Promise<CanvasRow | null> {
    return this.db.client.canvas.findFirst({ where: { orgId, id, ...readableWhere(CANVASES, caller) } });
  }

  /**
   * Null when the caller may not change this canvas (or `deleted` does not match its state); 412
   * VERSION_CONFLICT when `expected` is not its revision. A content save (`saved`) also writes the
   * version. `action` names the audit entry.
   */
  update(
    orgId: string,
    id: string,
    caller: OwnedRowCaller,
    expected: ExpectedVersion,
    options: { deleted: boolean; saved: boolean; action?: string },
    changes: CanvasChanges,
  ): Promise<CanvasRow | null> {
    return this.audited.update(
      'canvas',
      async () => {
        const row = await this.lock(orgId, id, caller);
        return row && (row.deletedAt !== null) === options.deleted ? row : null;
      },
      async (before) => {
        const after = await this.db.client.canvas.update({
          where: { id, orgId, version: matchVersion(before.version, expected) },
          data: { ...changes, data: changes.data as Prisma.InputJsonValue | undefined, version: { increment: 1 } },
        });
        if (options.saved) await this.writeVersion(after, caller.userId);
        return after;
      },
      { action: options.action },
    );
  }

  /** The published version of a live model: the given one, or the newest when `version` is absent. */
  async findModelVersion(orgId: string, modelId: string, version?: number): Promise<ModelVersionRow | null> {
    const row = await this.db.client.canvasModelVersion.findFirst({
      where: { orgId, modelId, ...(version === undefined ? {} : { version }), model: { deletedAt: null } },
      orderBy: { version: 'desc' },
      select: { modelId: true, version: true, schema: true },
    });
    return row && { ...row, schema: row.schema as CanvasData };
  }

  /** Whether the org has this model, live. */
  async modelExists(orgId: string, modelId: string): Promise<boolean> {
    return (await this.db.client.canvasModel.count({ where: { orgId, id: modelId, deletedAt: null } })) > 0;
  }

  listVersions(
    orgId: string,
    canvasId: string,
    options: { take: number; after?: Cursor<typeof CANVAS_VERSION_ORDER> },
  ): Promise<CanvasVersionRow[]> {
    const page = keyset(CANVAS_VERSION_ORDER, 'desc', options.after);
    return this.db.client.canvasVersion.findMany({
      where: { orgId, canvasId, AND: page.where },
      orderBy: page.orderBy,
      take: options.take,
    });
  }

  findVersion(orgId: string, canvasId: string, version: number): Promise<CanvasVersionRow | null> {
    return this.db.client.canvasVersion.findFirst({ where: { orgId, canvasId, version } });
  }

  private writeVersion(canvas: CanvasRow, userId: string | null): Promise<CanvasVersionRow> {
    return this.db.client.canvasVersion.create({
      data: {
        orgId: canvas.orgId,
        canvasId: canvas.id,
        version: canvas.version,
        data: canvas.data as Prisma.InputJsonValue,
        createdByUserId: userId,
      },
    });
  }

  /** The row if the caller may change it, locked until the transaction ends. */
  private async lock(orgId: string, id: string, caller: OwnedRowCaller): Promise<CanvasRow | null> {
    await this.db.client
      .$executeRaw`SELECT 1 FROM canvases WHERE "orgId" = ${orgId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    return this.db.client.canvas.findFirst({ where: { orgId, id, ...writableWhere(CANVASES, caller) } });
  }
}
