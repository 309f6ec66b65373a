import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { send } from './http-client';
import { LoadRecorder, runLoad, type LoadTarget, type ReadOutcome, type WriteOutcome } from './load';

/** A fault injected under load: `begin` at `fromMs`, `end` at `toMs` (ms after the load started). */
export interface Fault {
  fromMs: number;
  toMs: number;
  begin(): Promise<void>;
  end(): Promise<void>;
}

/**
 * Ends every other session of the database with pg_terminate_backend every 150 ms, from `fromMs`
 * to `toMs`: connections die mid-transaction as in a failover or an administrator's kill.
 */
export function killSessions(databaseUrl: string, fromMs: number, toMs: number): Fault & { killed(): number } {
  const admin = new Client({ connectionString: databaseUrl });
  let killed = 0;
  let killing = false;
  let loop: Promise<void> = Promise.resolve();
  return {
    fromMs,
    toMs,
    killed: () => killed,
    begin: async () => {
      await admin.connect();
      killing = true;
      loop = (async () => {
        while (killing) {
          const { rowCount } = await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          killed += rowCount ?? 0;
          await sleep(150);
        }
      })();
    },
    end: async () => {
      killing = false;
      await loop;
      await admin.end();
    },
  };
}

export interface OutageRun {
  recorder: LoadRecorder;
  /** /health/ready polled every 200 ms: [ms since start, status]. */
  health: [number, number][];
  /** When the fault really began and ended (ms since start). */
  from: number;
  to: number;
}

/** Runs the load and injects the fault, polling /health/ready all along. */
export async function underLoad(
  target: LoadTarget,
  options: { clients: number; durationMs: number },
  fault: Fault,
): Promise<OutageRun> {
  const recorder = new LoadRecorder();
  const health: [number, number][] = [];
  let done = false;
  const load = runLoad(target, { ...options, timeoutMs: 30_000 }, recorder).finally(() => (done = true));
  const poll = (async () => {
    while (!done) {
      const answer = await send(target.base, { method: 'GET', url: '/health/ready' }, { timeoutMs: 10_000 });
      health.push([recorder.now(), answer.status]);
      await sleep(200);
    }
  })();
  await sleep(fault.fromMs);
  const from = recorder.now();
  await fault.begin();
  await sleep(Math.max(0, fault.toMs - recorder.now()));
  await fault.end();
  const to = recorder.now();
  await load;
  await poll;
  return { recorder, health, from, to };
}

export interface OutageJudgement {
  violations: string[];
  figures: Record<string, string | number>;
}

type Outcome = WriteOutcome | ReadOutcome;
const describe = (o: Outcome) =>
  `${'action' in o ? `${o.action} request ${o.requestId}` : 'read'} at ${o.at} ms → ${o.status || o.error} ${o.code ?? ''} in ${o.ms} ms`;

/**
 * What an outage may cost: 503 UNAVAILABLE (never another 5xx, a 401, or no answer), each answer
 * within `maxMs`; /health/ready says 503 during and 200 after; requests succeed again soon after.
 */
export function judgeOutage(run: OutageRun, maxMs: number, expectReady503 = true): OutageJudgement {
  const violations: string[] = [];
  const all = run.recorder.all;
  for (const o of all) {
    if (o.status === 0) violations.push(`no answer: ${describe(o)}`);
    else if (o.status >= 500 && !(o.status === 503 && o.code === 'UNAVAILABLE'))
      violations.push(`${o.status}: ${describe(o)}`);
    else if (o.status === 401) violations.push(`401 for valid credentials: ${describe(o)}`);
    if (o.ms > maxMs) violations.push(`slower than ${maxMs} ms: ${describe(o)}`);
  }
  const during = all.filter((o) => o.at >= run.from && o.at <= run.to);
  const readyDuring = run.health.filter(([at]) => at >= run.from && at <= run.to).map(([, status]) => status);
  if (expectReady503 && !readyDuring.includes(503)) {
    violations.push(`/health/ready never 503 during the outage: ${readyDuring.join(' ') || 'not polled'}`);
  }
  const lastReady = run.health.at(-1)?.[1];
  if (lastReady !== 200) violations.push(`/health/ready ${lastReady} after the outage, not 200`);
  const firstOkAfter = all
    .filter((o) => o.at >= run.to && o.status >= 200 && o.status < 300)
    .reduce((min, o) => Math.min(min, o.at + o.ms), Infinity);
  if (firstOkAfter === Infinity) violations.push('no request succeeded after the outage: no recovery');
  const failedDuring = during.filter((o) => o.status < 200 || o.status >= 300);
  return {
    violations,
    figures: {
      'requests sent': all.length,
      '5xx other than 503': all.filter((o) => o.status >= 500 && o.status !== 503).length,
      'outage seconds': ((run.to - run.from) / 1000).toFixed(1),
      'requests during outage': during.length,
      'errors during outage': LoadRecorder.byStatus(failedDuring),
      'slowest during outage ms': during.reduce((max, o) => Math.max(max, o.ms), 0),
      '/health/ready during': summarize(readyDuring),
      'recovered after ms': firstOkAfter === Infinity ? 'never' : Math.max(0, firstOkAfter - run.to),
    },
  };
}

/** "200×3 503×12": how often each status came. */
function summarize(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status}×${n}`).join(' ') || 'none';
}
