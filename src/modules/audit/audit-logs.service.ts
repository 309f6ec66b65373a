import { Injectable } from '@nestjs/common';
import { AuditRepository, type AuditFilter, type AuditRow } from './audit.repository';
import { decodeCursor, toPage, type Page } from '../../common/pagination/pagination';
import { DbContext } from '../../database/db-context';
import { verifyChain, type ChainVerdict } from './audit-chain-verifier';
import type { AuditLogFilterDto, AuditLogResponseDto, ListAuditLogsQueryDto } from './dto/audit-log.dto';

/** Rows read per transaction when exporting or verifying a whole chain. */
export const AUDIT_PAGE_SIZE = 500;

const CSV_COLUMNS = [
  'id',
  'seq',
  'createdAt',
  'actorType',
  'actorId',
  'action',
  'resourceType',
  'resourceId',
  'before',
  'after',
  'ip',
  'userAgent',
  'requestId',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof AuditLogResponseDto)[];

/** Reads the org's append-only audit log: filtered pages, full exports and chain verification. */
@Injectable()
export class AuditLogsService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly db: DbContext,
  ) {}

  /** Newest first, keyset on seq. Runs in the request's transaction. */
  async list(orgId: string, query: ListAuditLogsQueryDto): Promise<Page<AuditLogResponseDto>> {
    const beforeSeq = decodeCursor(query.cursor, { seq: 'bigint' })?.seq;
    const rows = await this.repository.list(orgId, toFilter(query), query.limit + 1, beforeSeq);
    return toPage(rows, query.limit, toResponse, (row) => ({ seq: row.seq }));
  }

  /**
   * The matching entries oldest first, page by page, each page in its own short transaction (the
   * route has none), so an export of any size holds no transaction open while the client reads.
   */
  async *pages(orgId: string, filter: AuditFilter): AsyncGenerator<AuditRow[]> {
    let afterSeq = 0n;
    for (;;) {
      const rows = await this.db.run({ orgId }, () =>
        this.repository.listAscending(orgId, filter, AUDIT_PAGE_SIZE, afterSeq),
      );
      if (rows.length > 0) yield rows;
      if (rows.length < AUDIT_PAGE_SIZE) return;
      afterSeq = rows[rows.length - 1]!.seq;
    }
  }

  /**
   * Export lines in the format asked for. The first page is read before this returns, so a
   * failure there is still an ordinary error response; later failures abort the stream.
   */
  async export(orgId: string, query: AuditLogFilterDto, format: 'ndjson' | 'csv'): Promise<AsyncIterable<string>> {
    const pages = this.pages(orgId, toFilter(query));
    const first = await pages.next();
    return (async function* () {
      if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
      if (first.done) return;
      for await (const page of prepend(first.value, pages)) {
        yield page.map((row) => (format === 'csv' ? toCsvLine(toResponse(row)) : toNdjsonLine(row))).join('');
      }
    })();
  }

  /** Walks the whole chain oldest first and reports the first entry that does not check out. */
  verify(orgId: string): Promise<ChainVerdict> {
    return verifyChain(this.pages(orgId, {}));
  }
}

async function* prepend<T>(first: T, rest: AsyncIterable<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

function toFilter(query: AuditLogFilterDto): AuditFilter {
  return {
    actorId: query.actorId?.toLowerCase(),
    action: query.action,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}

export function toResponse(row: AuditRow): AuditLogResponseDto {
  const { id, actorType, actorId, action, resourceType, resourceId, before, after } = row;
  const { ip, userAgent, requestId, createdAt, hash, prevHash } = row;
  return {
    id,
    seq: row.seq.toString(),
    actorType,
    actorId,
    action,
    resourceType,
    resourceId,
    before,
    after,
    ip,
    userAgent,
    requestId,
    createdAt,
    hash,
    prevHash,
  };
}

function toNdjsonLine(row: AuditRow): string {
  return `${JSON.stringify(toResponse(row))}\n`;
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; JSON columns as JSON text. */
export function toCsvLine(entry: AuditLogResponseDto): string {
  return `${CSV_COLUMNS.map((column) => csvField(entry[column])).join(',')}\r\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const raw =
    value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A leading = + - @ makes spreadsheets evaluate the cell: prefix a quote so it stays text.
  const text = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
