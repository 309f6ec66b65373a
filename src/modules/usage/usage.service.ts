import { Injectable } from '@nestjs/common';
import { AppException } from '../../common/errors/app-exception';
import type { UsageQueryDto, UsageResponseDto } from './dto/usage.dto';
import { UsageRepository } from './usage.repository';

/** The longest period one request may cover, in days. */
export const MAX_USAGE_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

/**
 * Chat usage (tokens and cost of assistant replies) by user, model or day. Whose figures is the
 * database's rule (app_chat_usage): OWNER and ADMIN members and API keys see everyone's, other
 * members their own conversations'.
 */
@Injectable()
export class UsageService {
  constructor(private readonly repository: UsageRepository) {}

  async usage(query: UsageQueryDto): Promise<UsageResponseDto> {
    const to = query.to ? parseDay(query.to, 'to') : startOfToday();
    const from = query.from ? parseDay(query.from, 'from') : new Date(to.getTime() - 29 * DAY_MS);
    if (from > to)
      throw new AppException('VALIDATION_FAILED', 'from is after to', [
        { field: 'from', messages: ['from must be on or before to'] },
      ]);
    if ((to.getTime() - from.getTime()) / DAY_MS + 1 > MAX_USAGE_DAYS)
      throw new AppException('VALIDATION_FAILED', `The period is longer than ${MAX_USAGE_DAYS} days`, [
        { field: 'to', messages: [`from and to may be at most ${MAX_USAGE_DAYS} days apart, both included`] },
      ]);
    const groupBy = query.groupBy ?? 'day';
    // `to` is a whole day: the database's end is the next midnight, excluded.
    const { rows, totals } = await this.repository.grouped(from, new Date(to.getTime() + DAY_MS), groupBy);
    return { from: iso(from), to: iso(to), groupBy, data: rows, totals };
  }
}

/** A real calendar day (2026-02-30 is a 400), as its UTC midnight. */
function parseDay(value: string, field: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || iso(date) !== value)
    throw new AppException('VALIDATION_FAILED', `${field} is not a date`, [
      { field, messages: [`${field} must be a date YYYY-MM-DD`] },
    ]);
  return date;
}

function startOfToday(): Date {
  return new Date(`${iso(new Date())}T00:00:00Z`);
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}
