import { Type as TransformType } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Type } from '@nestjs/common';
import { AppException } from '../errors/app-exception';

/** `?limit=&cursor=` on every list. */
export class PageQueryDto {
  /** Page size, 1–100. */
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @TransformType(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  /** The `nextCursor` of the previous page. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends Record<string, string | number>>(
  cursor: string | undefined,
  fields: (keyof T)[],
): T | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
    if (
      parsed &&
      typeof parsed === 'object' &&
      fields.every((field) => ['string', 'number'].includes(typeof parsed[field]))
    )
      return parsed;
  } catch {
    // fall through
  }
  throw invalidCursor();
}

export function invalidCursor(): AppException {
  return new AppException('VALIDATION_FAILED', 'The cursor is not valid', [
    { field: 'cursor', messages: ['cursor is not valid'] },
  ]);
}

/** A cursor over rows ordered by (createdAt, id), newest first: `{ createdAt, id }` or undefined. */
export function decodeTimeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  const key = decodeCursor<{ createdAt: string; id: string }>(cursor, ['createdAt', 'id']);
  if (!key) return undefined;
  const createdAt = new Date(key.createdAt);
  if (Number.isNaN(createdAt.getTime())) throw invalidCursor();
  return { createdAt, id: key.id };
}

/** Rows were fetched with take = limit + 1: the extra row says whether a next page exists. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  cursorOf: (row: R) => Record<string, string | number>,
): Page<T> {
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
