import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { DbContext } from '../../database/db-context';

export type UsageGroup = 'user' | 'model' | 'day';

export interface UsageFigures {
  messages: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Figures of one group (a user id, a model, a day as YYYY-MM-DD; null: a reply without a model). */
export interface UsageRow extends UsageFigures {
  key: string | null;
}

const KEY: Record<UsageGroup, Prisma.Sql> = {
  user: Prisma.sql`"userId"::text`,
  model: Prisma.sql`"model"`,
  day: Prisma.sql`to_char("day", 'YYYY-MM-DD')`,
};

interface RawRow {
  key: string | null;
  messages: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  costUsd: Prisma.Decimal;
}

@Injectable()
export class UsageRepository {
  constructor(private readonly db: DbContext) {}

  /**
   * Replies' tokens and cost in the current org between `from` (inclusive) and `to` (exclusive),
   * grouped: app_chat_usage (definer) reads every conversation and returns the caller's own
   * figures, or everyone's to OWNER/ADMIN members and API keys.
   */
  async grouped(from: Date, to: Date, groupBy: UsageGroup): Promise<{ rows: UsageRow[]; totals: UsageFigures }> {
    const rows = await this.db.client.$queryRaw<RawRow[]>`
      SELECT ${KEY[groupBy]} AS "key", sum("messages")::bigint AS "messages",
        sum("inputTokens")::bigint AS "inputTokens", sum("outputTokens")::bigint AS "outputTokens",
        sum("costUsd") AS "costUsd"
      FROM app_chat_usage(${from}::timestamptz, ${to}::timestamptz)
      GROUP BY 1 ORDER BY 1 NULLS LAST`;
    // Totals summed exactly (bigint, decimal) before they become JSON numbers.
    const total = rows.reduce(
      (sum, row) => ({
        key: null,
        messages: sum.messages + row.messages,
        inputTokens: sum.inputTokens + row.inputTokens,
        outputTokens: sum.outputTokens + row.outputTokens,
        costUsd: sum.costUsd.plus(row.costUsd),
      }),
      { key: null, messages: 0n, inputTokens: 0n, outputTokens: 0n, costUsd: new Prisma.Decimal(0) } as RawRow,
    );
    const { key: _key, ...totals } = figures(total);
    return { rows: rows.map(figures), totals };
  }
}

function figures(row: RawRow): UsageRow {
  return {
    key: row.key,
    messages: Number(row.messages),
    inputTokens: Number(row.inputTokens),
    outputTokens: Number(row.outputTokens),
    costUsd: Number(row.costUsd),
  };
}
