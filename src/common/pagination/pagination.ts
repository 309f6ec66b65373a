import { Type as TransformType } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Type } from '@nestjs/common';
import { AppException } from '../errors/app-exception';

/** `?limit=&cursor=` on every list. */
export class PageQueryDto {
  /** Page size, 1–100. */
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @TransformType(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  /** The `nextCursor` of the previous page. */
  @ApiPropertyOptional({ maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** The kinds of value a cursor field may hold; each is checked when the cursor comes back. */
export type CursorField = 'uuid' | 'date' | 'string' | 'bigint';
type FieldValue<K extends CursorField> = K extends 'date' ? Date : K extends 'bigint' ? bigint : string;
export type CursorShape = Record<string, CursorField>;
export type Cursor<S extends CursorShape> = { [F in keyof S]: FieldValue<S[F]> };
export type CursorKey = Record<string, string | Date | bigint>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CURSOR_STRING = 512;
const MAX_BIGINT = 2n ** 63n - 1n;

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(key: CursorKey): string {
  const plain = Object.fromEntries(
    Object.entries(key).map(([field, value]) => [field, value instanceof Date ? value.toISOString() : String(value)]),
  );
  return Buffer.from(JSON.stringify(plain)).toString('base64url');
}

/**
 * The one cursor decoder: every field must be present and of its declared kind, so a forged or
 * stale cursor is a 400 VALIDATION_FAILED, never a query with garbage in it.
 */
export function decodeCursor<S extends CursorShape>(cursor: string | undefined, shape: S): Cursor<S> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
  const decoded: Record<string, string | Date | bigint> = {};
  for (const [field, kind] of Object.entries(shape)) {
    const value = decodeField(kind, (parsed as Record<string, unknown>)[field]);
    if (value === undefined) throw invalidCursor();
    decoded[field] = value;
  }
  return decoded as Cursor<S>;
}

function decodeField(kind: CursorField, raw: unknown): string | Date | bigint | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_CURSOR_STRING || raw.includes('\u0000')) return undefined;
  switch (kind) {
    case 'uuid':
      return UUID.test(raw) ? raw.toLowerCase() : undefined;
    case 'date': {
      const date = new Date(raw);
      // Year 0 parses in JavaScript but not in PostgreSQL (22008 → 500): only years 1–9999.
      const year = date.getUTCFullYear();
      return /^\d{4}-\d{2}-\d{2}T/.test(raw) && year >= 1 && year <= 9999 ? date : undefined;
    }
    case 'bigint':
      return /^\d{1,19}$/.test(raw) && BigInt(raw) <= MAX_BIGINT ? BigInt(raw) : undefined;
    case 'string':
      return raw;
  }
}

export function invalidCursor(): AppException {
  return new AppException('VALIDATION_FAILED', 'The cursor is not valid', [
    { field: 'cursor', messages: ['cursor is not valid'] },
  ]);
}

/** Rows ordered by (createdAt, id), newest first. */
export const TIME_CURSOR = { createdAt: 'date', id: 'uuid' } as const satisfies CursorShape;

export type SortDirection = 'asc' | 'desc';
type Range<V> = { gt?: V; gte?: V; lt?: V; lte?: V };
type FieldCondition<S extends CursorShape> = { [F in keyof S]?: Cursor<S>[F] | Range<Cursor<S>[F]> };
/** A Prisma `where` fragment on the cursor's fields; give it as `AND` beside the list's own filters. */
export type KeysetWhere<S extends CursorShape> = FieldCondition<S> & { OR?: FieldCondition<S>[] };
/** A Prisma `orderBy` on the cursor's fields, in their order. */
export type KeysetOrderBy<S extends CursorShape> = { [F in keyof S]?: SortDirection }[];

/**
 * Keyset pagination: the rows after `after` in the order of the cursor's fields (a sort key,
 * then a unique tiebreak, usually `id`), and that order. For (k, id) ascending the fragment is
 * `k >= a.k AND (k > a.k OR (k = a.k AND id > a.id))`: the redundant `>=` lets an index that
 * leads with (orgId, k) start at the cursor instead of filtering from the first row.
 */
export function keyset<S extends CursorShape>(
  shape: S,
  direction: SortDirection,
  after: Cursor<S> | undefined,
): { where: KeysetWhere<S>; orderBy: KeysetOrderBy<S> } {
  const fields = Object.keys(shape);
  const orderBy = fields.map((field) => ({ [field]: direction })) as KeysetOrderBy<S>;
  if (!after) return { where: {}, orderBy };
  const value = (field: string) => (after as CursorKey)[field];
  const [beyond, from] = direction === 'asc' ? ['gt', 'gte'] : ['lt', 'lte'];
  // One branch per field: the fields before it equal to the cursor's, this one beyond it.
  const branches = fields.map((field, i) => ({
    ...Object.fromEntries(fields.slice(0, i).map((earlier) => [earlier, value(earlier)])),
    [field]: { [beyond]: value(field) },
  }));
  const where = branches.length === 1 ? branches[0] : { [fields[0]!]: { [from]: value(fields[0]!) }, OR: branches };
  return { where: where as KeysetWhere<S>, orderBy };
}

/**
 * A whole list request: decodes `query.cursor` as `shape` (400 when it is not one), fetches one
 * row more than `query.limit` to learn whether a next page exists, and makes the page whose
 * `nextCursor` holds the last row's `shape` fields.
 */
export async function paginate<S extends CursorShape, R extends Cursor<S>, T>(
  query: PageQueryDto,
  shape: S,
  fetch: (page: { take: number; after: Cursor<S> | undefined }) => Promise<R[]>,
  map: (row: R) => T,
): Promise<Page<T>> {
  const after = decodeCursor(query.cursor, shape);
  const rows = await fetch({ take: query.limit + 1, after });
  const cursorOf = (row: R) => Object.fromEntries(Object.keys(shape).map((field) => [field, row[field]])) as CursorKey;
  return toPage(rows, query.limit, map, cursorOf);
}

/**
 * A page of one parent's rows (versions, deliveries, files). A forged cursor is 400 wherever it
 * is sent, so paginate decodes it before `parent` looks the parent up (404); `map` gets the parent.
 */
export async function paginateChildren<P, S extends CursorShape, R extends Cursor<S>, T>(
  query: PageQueryDto,
  shape: S,
  parent: () => Promise<P>,
  fetch: (page: { take: number; after: Cursor<S> | undefined }) => Promise<R[]>,
  map: (row: R, parent: P) => T,
): Promise<Page<T>> {
  let found: P;
  return paginate(
    query,
    shape,
    async (page) => {
      found = await parent();
      return fetch(page);
    },
    (row) => map(row, found),
  );
}

/** Rows were fetched with take = limit + 1: the extra row says whether a next page exists. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => CursorKey): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return {
    data: pageRows.map(map),
    nextCursor: hasMore ? encodeCursor(cursorOf(pageRows[pageRows.length - 1]!)) : null,
  };
}

/** An OpenAPI class for `{ data: T[], nextCursor }`. */
export function PageOf<T>(item: Type<T>): Type<Page<T>> {
  class PageDto {
    @ApiProperty({ type: item, isArray: true })
    data!: T[];

    @ApiProperty({
      type: String,
      nullable: true,
      description: 'Pass as ?cursor= for the next page; null on the last page',
    })
    nextCursor!: string | null;
  }
  Object.defineProperty(PageDto, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  return PageDto;
}
