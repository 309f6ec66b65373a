import { Injectable } from '@nestjs/common';
import { AuditService } from './audit.service';

interface Row {
  id: string;
}

export interface AuditedWriteOptions<R> {
  /** Defaults to `<resourceType>.created` / `.updated` / `.deleted`. */
  action?: string;
  /** What enters the log instead of the whole row (secrets are redacted either way). */
  view?: (row: R) => unknown;
  /** Defaults to the request's organization; jobs, which have none, name it. */
  orgId?: string;
}

/**
 * The audit hook of repositories: a create, update or delete and its audit entry happen together
 * in the request's transaction, so services write no audit calls. `before` is the row as the
 * write found it and `after` the row the write returned; a write that throws records nothing.
 */
@Injectable()
export class AuditedWrites {
  constructor(private readonly audit: AuditService) {}

  async create<R extends Row>(
    resourceType: string,
    insert: () => Promise<R>,
    options: AuditedWriteOptions<R> = {},
  ): Promise<R> {
    const after = await insert();
    await this.record(resourceType, 'created', options, after.id, undefined, after);
    return after;
  }

  /**
   * `lock` reads the row `FOR UPDATE`, so nothing changes it between that read and `write`:
   * `before` is exactly what the update replaced. Null, and nothing written, when there is no row.
   */
  async update<R extends Row>(
    resourceType: string,
    lock: () => Promise<R | null>,
    write: (before: R) => Promise<R>,
    options: AuditedWriteOptions<R> = {},
  ): Promise<R | null> {
    const before = await lock();
    if (!before) return null;
    const after = await write(before);
    await this.record(resourceType, 'updated', options, before.id, before, after);
    return after;
  }

  /** As `update`, for a delete: returns the deleted row, or null when there was none. */
  async delete<R extends Row>(
    resourceType: string,
    lock: () => Promise<R | null>,
    remove: (before: R) => Promise<unknown>,
    options: AuditedWriteOptions<R> = {},
  ): Promise<R | null> {
    const before = await lock();
    if (!before) return null;
    await remove(before);
    await this.record(resourceType, 'deleted', options, before.id, before, undefined);
    return before;
  }

  private async record<R>(
    resourceType: string,
    verb: string,
    options: AuditedWriteOptions<R>,
    resourceId: string,
    before: R | undefined,
    after: R | undefined,
  ): Promise<void> {
    const view = options.view ?? ((row: R) => row);
    await this.audit.record({
      orgId: options.orgId,
      action: options.action ?? `${resourceType}.${verb}`,
      resourceType,
      resourceId,
      before: before === undefined ? undefined : view(before),
      after: after === undefined ? undefined : view(after),
    });
  }
}
