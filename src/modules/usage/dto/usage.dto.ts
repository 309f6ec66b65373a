import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { UsageGroup } from '../usage.repository';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const USAGE_GROUPS: UsageGroup[] = ['user', 'model', 'day'];

export class UsageQueryDto {
  /** First day (UTC, YYYY-MM-DD), included. Default: 29 days before `to`. */
  @ApiPropertyOptional({ example: '2026-11-01', format: 'date' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  /** Last day (UTC, YYYY-MM-DD), included. Default: today. */
  @ApiPropertyOptional({ example: '2026-11-30', format: 'date' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: USAGE_GROUPS, default: 'day' })
  @IsOptional()
  @IsIn(USAGE_GROUPS)
  groupBy?: UsageGroup;
}

export class UsageFiguresDto {
  /** Assistant replies. */
  @ApiProperty({ example: 12 }) messages!: number;
  @ApiProperty({ example: 3400 }) inputTokens!: number;
  @ApiProperty({ example: 1200 }) outputTokens!: number;
  /** From the price table; replies of unknown models count 0. */
  @ApiProperty({ example: 0.0421 }) costUsd!: number;
}

export class UsageRowDto extends UsageFiguresDto {
  /** The user id, the model (null: replies without one) or the day (YYYY-MM-DD). */
  @ApiProperty({ type: String, nullable: true, example: '2026-11-03' }) key!: string | null;
}

export class UsageResponseDto {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
  @ApiProperty({ enum: USAGE_GROUPS }) groupBy!: UsageGroup;
  /** Groups with at least one reply, by key. */
  @ApiProperty({ type: [UsageRowDto] }) data!: UsageRowDto[];
  @ApiProperty({ type: UsageFiguresDto }) totals!: UsageFiguresDto;
}
