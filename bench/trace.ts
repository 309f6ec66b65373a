/**
 * The statements one request sends, with PostgreSQL's own timings: the database logs every
 * statement phase (log_min_duration_statement = 0, for the benchmark database only, while the
 * trace runs) and the log lines one request left are read back from the server's log file
 * (BENCH_PG_LOG, e.g. the file the postmaster's stderr goes to).
 */
import { openSync, readSync, statSync, closeSync } from 'node:fs';
import { Client } from 'pg';

export interface TracedStatement {
  /** statement (simple protocol), or parse / bind / execute (extended protocol). */
  phase: string;
  ms: number;
  sql: string;
}

export interface RequestTrace {
  statements: TracedStatement[];
  /**
   * Round trips: each simple-protocol Query message (one log entry however many statements it
   * holds) and each extended-protocol execute (parse, bind and execute travel together).
   */
  roundTrips: number;
  totalMs: number;
}

const ENTRY = /^\S+ \S+ \S+ \[\d+\] LOG:\s+duration: ([\d.]+) ms\s+(statement|parse|bind|execute)[^:]*: (.*)$/;
const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;

/** Turns the statement log of one database on or off (new connections pick it up). */
export async function logStatements(url: string, database: string, on: boolean): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      on
        ? `ALTER DATABASE ${database} SET log_min_duration_statement = 0`
        : `ALTER DATABASE ${database} RESET log_min_duration_statement`,
    );
  } finally {
    await client.end();
  }
}

function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** Runs `request` and returns the statements the log gained meanwhile (the server must be otherwise idle). */
export async function traceRequest(logFile: string, request: () => Promise<unknown>): Promise<RequestTrace> {
  const offset = statSync(logFile).size;
  await request();
  // The backend writes its log line after answering: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const statements: TracedStatement[] = [];
  for (const line of readFrom(logFile, offset).split('\n')) {
    const entry = ENTRY.exec(line);
    if (entry) statements.push({ phase: entry[2]!, ms: Number(entry[1]), sql: entry[3]!.trim() });
    else if (!LOG_LINE.test(line) && statements.length && line.trim()) {
      // A statement's further lines (not DETAIL lines, which start with a timestamp).
      statements[statements.length - 1]!.sql += ` ${line.trim()}`;
    }
  }
  return {
    statements,
    roundTrips: statements.filter((s) => s.phase === 'statement' || s.phase === 'execute').length,
    totalMs: Math.round(statements.reduce((sum, s) => sum + s.ms, 0) * 1000) / 1000,
  };
}

export function formatTrace(title: string, trace: RequestTrace): string {
  const shorten = (sql: string) => sql.replace(/\s+/g, ' ').slice(0, 110);
  return [
    `${title}: ${trace.roundTrips} round trips, ${trace.totalMs} ms in PostgreSQL (all phases)`,
    ...trace.statements.map((s) => `    ${s.ms.toFixed(3).padStart(7)} ms  ${s.phase.padEnd(9)} ${shorten(s.sql)}`),
  ].join('\n');
}
