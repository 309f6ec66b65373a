/**
 * `npm run bench`: Orgbase against a bare Fastify + `pg` server doing the same work
 * (bench/bare-server.ts), side by side in one run, as DESIGN.md's performance budget asks.
 * See bench/README.md for what it measures and the environment variables that shape a run.
 *
 *   npm run build && DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import {
  accessToken,
  createEmptyDatabase,
  dropDatabase,
  prepareDataset,
  verifyAuditChain,
  type Dataset,
} from './dataset';
import {
  cpuMeter,
  load,
  parentPid,
  treeCpuMs,
  treeRssMb,
  type CpuUse,
  type LoadOptions,
  type LoadResult,
} from './load';
import { formatProfile, summarizeProfiles } from './profile-summary';
import { formatTrace, logStatements, traceRequest, type RequestTrace } from './trace';
import {
  bareEnv,
  compileBareServer,
  embeddedDefaultEnv,
  orgbaseEnv,
  ORGBASE_MAIN,
  RESULTS_DIR,
  startServer,
  stopServer,
  type RunningServer,
} from './servers';

type Case = 'list' | 'get' | 'create';
type Part = Case | 'scale' | 'rls' | 'cold' | 'trace';
const PARTS: Part[] = ['list', 'get', 'create', 'scale', 'rls', 'cold', 'trace'];
const CASES: Case[] = ['list', 'get', 'create'];

const env = process.env;

function count(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${raw}"`);
  return value;
}

function parts(raw: string | undefined): Set<Part> {
  if (!raw) return new Set(PARTS);
  const chosen = raw.split(',').map((part) => part.trim());
  const unknown = chosen.filter((part) => !PARTS.includes(part as Part));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; known: ${PARTS.join(', ')}`);
  return new Set(chosen as Part[]);
}

const settings = {
  seconds: count('BENCH_SECONDS', 10),
  warmupSeconds: count('BENCH_WARMUP_SECONDS', 3),
  rounds: count('BENCH_ROUNDS', 2),
  connections: count('BENCH_CONNECTIONS', 50),
  workers: count('BENCH_WORKERS', 1),
  orgs: count('BENCH_ORGS', 1000),
  rowsPerOrg: count('BENCH_ROWS_PER_ORG', 1000),
  smallOrgs: count('BENCH_SMALL_ORGS', 10),
  port: count('BENCH_PORT', 4100),
  reuseData: env.BENCH_REUSE_DATA === '1',
  /** PostgreSQL's log file (its stderr), for the statement trace of one request per case. */
  pgLog: env.BENCH_PG_LOG ?? '',
  profile: env.BENCH_PROFILE === '1',
  only: [...parts(env.BENCH_ONLY)],
};
const selected = (part: Part) => settings.only.includes(part);
const runId = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/** A server under load with the data it serves. */
interface Target {
  name: string;
  server: RunningServer;
  dataset: Dataset;
  token: string;
}

interface Round extends LoadResult {
  case: Case;
  round: number;
  server: string;
  /** User + system CPU of the server's process tree per request. */
  cpuMsPerRequest: number;
  /** The same for PostgreSQL (postmaster and backends), when it runs on this machine. */
  pgCpuMsPerRequest: number | null;
  /** The load generator (this process) as a share of the machine's CPU capacity during the round. */
  loadGenCpuPercent: number;
  /** Everything else on the machine (other users' work): the noise in this round's figures. */
  otherCpuPercent: number;
}

/** Above this share of the machine used by other work, a round's figures are noise more than signal. */
const NOISY_PERCENT = 15;
const percentOf = (ms: number, cpu: CpuUse) => Math.round((100 * ms) / cpu.capacityMs);
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** What one request of `kind` is: list a page of 50, get one of the org's ids in turn, create a uniquely named variable. */
function requestOf(kind: Case, target: Target, tag: string): Omit<LoadOptions, 'connections' | 'seconds'> {
  const base = `${target.server.url}/v1/orgs/${target.dataset.orgId}/variables`;
  const headers = { authorization: `Bearer ${target.token}` };
  if (kind === 'list') return { url: `${base}?limit=50`, headers };
  if (kind === 'get') {
    const ids = target.dataset.variableIds;
    let next = Math.floor(Math.random() * ids.length);
    return {
      url: `${base}/${ids[0]}`,
      headers,
      next: () => ({ path: `${new URL(base).pathname}/${ids[next++ % ids.length]}` }),
    };
  }
  let created = 0;
  return {
    url: base,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    // "z_" sorts after the generated "var_" keys: the first pages stay the same.
    next: () => ({ body: JSON.stringify({ key: `z_${tag}_${created++}`, value: `created by the benchmark ${tag}` }) }),
  };
}

async function measure(kind: Case, target: Target, round: number, seconds: number, pgPid: number | null) {
  const meter = cpuMeter([target.server.pid, pgPid]);
  const result = await load({
    ...requestOf(kind, target, `${runId}_${target.name}_${round}`),
    connections: settings.connections,
    seconds,
  });
  const cpu = meter();
  const [serverMs, pgMs] = cpu.treesMs as [number, number];
  const perRequest = (ms: number) => round2(ms / Math.max(1, result.requests));
  return {
    case: kind,
    round,
    server: target.name,
    ...result,
    cpuMsPerRequest: perRequest(serverMs),
    pgCpuMsPerRequest: pgPid ? perRequest(pgMs) : null,
    loadGenCpuPercent: percentOf(cpu.selfMs, cpu),
    otherCpuPercent: percentOf(cpu.othersMs, cpu),
  } satisfies Round;
}

/** Before any load: every server answers, and bare and Orgbase answer list and get with the same body. */
async function checkSameWork(targets: Target[]): Promise<string[]> {
  const warnings: string[] = [];
  const bodies = new Map<string, unknown>();
  for (const target of targets) {
    for (const kind of CASES) {
      const request = requestOf(kind, target, `${runId}_${target.name}_check`);
      // The first id for get (the same for every server); next() only for the create's unique body.
      const response = await fetch(request.url, {
        method: request.method ?? 'GET',
        headers: request.headers,
        body: kind === 'create' ? request.next?.().body : undefined,
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (response.status !== (kind === 'create' ? 201 : 200)) {
        throw new Error(`${target.name} ${kind}: HTTP ${response.status} ${JSON.stringify(body)}`);
      }
      if (kind === 'create' || target.dataset.rows !== targets[0]!.dataset.rows) continue;
      const other = bodies.get(kind);
      if (other === undefined) bodies.set(kind, body);
      else if (!isDeepStrictEqual(other, body)) {
        warnings.push(`${kind}: ${target.name} answers differently from ${targets[0]!.name}`);
      }
    }
  }
  return warnings;
}

/** The PostgreSQL server's postmaster, when it runs on this machine (its backends' CPU is counted). */
async function postgresInfo(url: string): Promise<{ version: string; postmasterPid: number | null }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; pid: number }>(
      'SELECT current_setting($1) AS version, pg_backend_pid() AS pid',
      ['server_version'],
    );
    const postmaster = parentPid(rows[0]!.pid);
    const comm = postmaster ? readFileSync(`/proc/${postmaster}/comm`, 'utf8').trim() : '';
    return { version: rows[0]!.version, postmasterPid: comm === 'postgres' ? postmaster : null };
  } catch {
    return { version: 'unknown', postmasterPid: null };
  } finally {
    await client.end();
  }
}

interface CaseOutcome {
  rounds: Round[];
  rssMb: Record<string, { totalMb: number; processes: { pid: number; rssMb: number }[] }>;
}

/** Warm-up, then `rounds` rounds in which every target takes its turn (alternating, so drift hits all alike). */
async function runCase(kind: Case, targets: Target[], pgPid: number | null): Promise<CaseOutcome> {
  for (const target of targets) {
    await load({
      ...requestOf(kind, target, `${runId}_${target.name}_warm`),
      connections: settings.connections,
      seconds: settings.warmupSeconds,
    });
  }
  const rounds: Round[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    for (const target of targets) {
      const result = await measure(kind, target, round, settings.seconds, pgPid);
      rounds.push(result);
      console.log(
        `  ${kind} round ${round} ${target.name.padEnd(15)} ${String(result.rps).padStart(6)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  ` +
          `cpu ${result.cpuMsPerRequest} ms/req  pg ${result.pgCpuMsPerRequest ?? '-'} ms/req  ` +
          `load gen ${result.loadGenCpuPercent}%  others ${result.otherCpuPercent}%` +
          (result.non2xx || result.errors ? `  non-2xx ${result.non2xx} errors ${result.errors}` : ''),
      );
    }
  }
  const rssMb = Object.fromEntries(targets.map((target) => [target.name, treeRssMb(target.server.pid)]));
  return { rounds, rssMb };
}

/** One request as the load sends it (the next id, a new unique body); throws unless it succeeds. */
async function sendOne(request: Omit<LoadOptions, 'connections' | 'seconds'>): Promise<void> {
  const next = request.next?.();
  const response = await fetch(next?.path ? new URL(next.path, request.url) : request.url, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: next?.body,
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${request.method ?? 'GET'} ${request.url}: HTTP ${response.status}`);
}

/**
 * The statements of one request per case and server, from PostgreSQL's log, after a few
 * requests of the same kind (caches and prepared statements warm, as under load).
 */
async function traceStatements(serverUrl: string, dataset: Dataset, logFile: string) {
  const traces: { server: string; case: Case; trace: RequestTrace }[] = [];
  const port = settings.port + 30;
  await logStatements(serverUrl, dataset.database, true);
  try {
    for (const name of ['bare', 'orgbase'] as const) {
      const server = await startServer({
        name,
        port,
        args: [name === 'orgbase' ? ORGBASE_MAIN : compileBareServer()],
        env:
          name === 'orgbase'
            ? orgbaseEnv({ port, databaseUrl: dataset.url, workers: 1 })
            : bareEnv(port, dataset.url, 1),
      });
      try {
        const target: Target = { name, server, dataset, token: accessToken(dataset) };
        for (const kind of CASES) {
          const request = requestOf(kind, target, `${runId}_trace_${name}`);
          for (let i = 0; i < 5; i++) await sendOne(request);
          // Five traced requests; the one with the median time in PostgreSQL stands for them.
          const traced: RequestTrace[] = [];
          for (let i = 0; i < 5; i++) traced.push(await traceRequest(logFile, () => sendOne(request)));
          const trace = traced.sort((a, b) => a.totalMs - b.totalMs)[2]!;
          traces.push({ server: name, case: kind, trace });
          console.log(formatTrace(`  ${name} ${kind}`, trace));
        }
      } finally {
        await stopServer(server);
      }
    }
  } finally {
    await logStatements(serverUrl, dataset.database, false);
  }
  return traces;
}

/** Ready time of a fresh start, then of a second start on what the first left (PostgreSQL, then embedded). */
async function coldStarts(serverUrl: string, port: number, pgPid: number | null) {
  const results: { database: string; start: string; readyMs: number; otherCpuPercent: number }[] = [];
  const time = async (database: string, start: string, env: NodeJS.ProcessEnv) => {
    const meter = cpuMeter([pgPid]);
    const server = await startServer({
      name: `${database} ${start}`,
      port,
      args: [ORGBASE_MAIN],
      env,
      timeoutMs: 120_000,
    });
    // The server was spawned after the meter started: all its CPU so far is inside the window.
    const cpu = meter();
    const serverMs = treeCpuMs(server.pid);
    await stopServer(server);
    const otherCpuPercent = Math.max(0, percentOf(cpu.othersMs - serverMs, cpu));
    results.push({ database, start, readyMs: server.readyMs, otherCpuPercent });
    console.log(`  ${database}, ${start}: ready in ${server.readyMs} ms`);
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'orgbase-bench-'));
  try {
    const url = await createEmptyDatabase(serverUrl, 'orgbase_bench_cold');
    const postgres = orgbaseEnv({ port, databaseUrl: url, workers: settings.workers, migrate: true, dataDir });
    await time('PostgreSQL', 'first start (migrations)', postgres);
    await time('PostgreSQL', 'existing database', postgres);
    await dropDatabase(serverUrl, 'orgbase_bench_cold');
    const embedded = embeddedDefaultEnv(port, join(dataDir, 'embedded'));
    await time('embedded', 'first start (initdb, migrations, demo data)', embedded);
    await time('embedded', 'existing data directory', embedded);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return results;
}

/** One server under `node --cpu-prof` for one case; the summary covers the measured load only. */
async function profileCase(server: 'orgbase' | 'bare', kind: Case, dataset: Dataset, pgPid: number | null) {
  const dir = join(RESULTS_DIR, 'profile', runId, `${server}-${kind}`);
  mkdirSync(dir, { recursive: true });
  const port = settings.port + 10;
  const profiled = await startServer({
    name: `${server} (profiled ${kind})`,
    port,
    args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, server === 'orgbase' ? ORGBASE_MAIN : compileBareServer()],
    env:
      server === 'orgbase'
        ? orgbaseEnv({ port, databaseUrl: dataset.url, workers: settings.workers })
        : bareEnv(port, dataset.url, settings.workers),
  });
  const target: Target = { name: `${server}-profiled`, server: profiled, dataset, token: accessToken(dataset) };
  let round: Round;
  let window: { fromMs: number; toMs: number };
  try {
    await load({
      ...requestOf(kind, target, `${runId}_prof_warm`),
      connections: settings.connections,
      seconds: settings.warmupSeconds,
    });
    const fromMs = performance.now() - profiled.spawnedAt;
    round = await measure(kind, target, 1, settings.seconds, pgPid);
    window = { fromMs, toMs: performance.now() - profiled.spawnedAt };
  } finally {
    await stopServer(profiled);
  }
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => join(dir, file));
  const summary = summarizeProfiles(files, window);
  console.log(`  ${server} ${kind}: ${round.rps} req/s under the profiler; profiles in ${dir}`);
  return { server, case: kind, dir, round, summary };
}

function markdownTable(header: string[], rows: (string | number | null)[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n');
}

interface ServerSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  pgCpuMsPerRequest: number | null;
}

function summarize(rounds: Round[], kind: Case, server: string): ServerSummary | null {
  const mine = rounds.filter((round) => round.case === kind && round.server === server);
  if (mine.length === 0) return null;
  const pg = mine.map((round) => round.pgCpuMsPerRequest);
  return {
    rps: Math.round(mean(mine.map((round) => round.rps))),
    p50Ms: round1(mean(mine.map((round) => round.p50Ms))),
    p99Ms: round1(mean(mine.map((round) => round.p99Ms))),
    cpuMsPerRequest: round2(mean(mine.map((round) => round.cpuMsPerRequest))),
    pgCpuMsPerRequest: pg.includes(null) ? null : round2(mean(pg as number[])),
  };
}

interface Check {
  check: string;
  measured: number;
  budget: string;
  ok: boolean;
}

/** The DESIGN.md budget and issue 13's "done when", as far as this run measured them. */
function budgetChecks(rounds: Round[], rss: CaseOutcome['rssMb'][]): Check[] {
  const checks: Check[] = [];
  const add = (check: string, measured: number, budget: string, ok: boolean) =>
    checks.push({ check, measured: round2(measured), budget, ok });
  for (const kind of ['list', 'get'] as const) {
    const bare = summarize(rounds, kind, 'bare');
    const orgbase = summarize(rounds, kind, 'orgbase');
    if (bare && orgbase) {
      add(`${kind}: Orgbase / bare req/s`, orgbase.rps / bare.rps, '≥ 0.8', orgbase.rps / bare.rps >= 0.8);
      add(`${kind}: Orgbase / bare p99`, orgbase.p99Ms / bare.p99Ms, '≤ 1.5', orgbase.p99Ms / bare.p99Ms <= 1.5);
    }
    const noRls = summarize(rounds, kind, 'orgbase-no-rls');
    if (orgbase && noRls) {
      const cost = 1 - orgbase.rps / noRls.rps;
      add(`${kind}: RLS cost (1 − on/off req/s)`, cost, '≤ 0.15', cost <= 0.15);
    }
    const small = summarize(rounds, kind, 'orgbase-10k');
    if (orgbase && small) {
      add(`${kind}: 1M / 10k p50`, orgbase.p50Ms / small.p50Ms, '≤ 1.2', orgbase.p50Ms / small.p50Ms <= 1.2);
    }
  }
  const workers = rss.flatMap((byServer) => byServer.orgbase?.processes ?? []);
  if (workers.length) {
    const largest = Math.max(...workers.map((worker) => worker.rssMb));
    add('Orgbase RSS after load, largest process (MB)', largest, '≤ 200', largest <= 200);
  }
  return checks;
}

function report(rounds: Round[], outcomes: Partial<Record<Case, CaseOutcome>>, checks: Check[]): string {
  const out: string[] = [];
  out.push(
    'Rounds:',
    markdownTable(
      [
        'case',
        'round',
        'server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server CPU ms/req',
        'PG CPU ms/req',
        'load gen CPU %',
        'others CPU %',
        'non-2xx',
      ],
      rounds.map((r) => [
        r.case,
        r.round,
        r.server,
        r.rps,
        r.p50Ms,
        r.p99Ms,
        r.cpuMsPerRequest,
        r.pgCpuMsPerRequest,
        r.loadGenCpuPercent,
        r.otherCpuPercent,
        r.non2xx + r.errors,
      ]),
    ),
  );
  const noisy = rounds.filter((r) => r.otherCpuPercent > NOISY_PERCENT).length;
  if (noisy) {
    out.push(
      `${noisy} of ${rounds.length} rounds shared the machine with other work (others CPU > ${NOISY_PERCENT}%): their figures are depressed.`,
    );
  }
  const summaryRows: (string | number | null)[][] = [];
  for (const kind of CASES) {
    const bare = summarize(rounds, kind, 'bare');
    for (const server of ['bare', 'orgbase', 'orgbase-10k', 'orgbase-no-rls']) {
      const mine = summarize(rounds, kind, server);
      if (!mine) continue;
      const ratio = (value: number, base: number | undefined) => (base ? `${round2(value / base)}×` : null);
      summaryRows.push([
        kind,
        server,
        mine.rps,
        ratio(mine.rps, bare?.rps),
        mine.p50Ms,
        mine.p99Ms,
        ratio(mine.p99Ms, bare?.p99Ms),
        mine.cpuMsPerRequest,
        ratio(mine.cpuMsPerRequest, bare?.cpuMsPerRequest),
        mine.pgCpuMsPerRequest,
        outcomes[kind]?.rssMb[server]?.totalMb ?? null,
      ]);
    }
  }
  out.push(
    '',
    `Mean of ${settings.rounds} rounds (ratios against bare):`,
    markdownTable(
      [
        'case',
        'server',
        'req/s',
        '÷ bare',
        'p50 ms',
        'p99 ms',
        '÷ bare',
        'server CPU ms/req',
        '÷ bare',
        'PG CPU ms/req',
        'RSS MB after',
      ],
      summaryRows,
    ),
  );
  const rssRows = Object.entries(outcomes).flatMap(([kind, outcome]) =>
    Object.entries(outcome.rssMb).map(([server, rss]) => [
      kind,
      server,
      rss.totalMb,
      rss.processes.map((process) => process.rssMb).join(' + '),
    ]),
  );
  if (rssRows.length)
    out.push(
      '',
      'RSS after each case (process tree; per process):',
      markdownTable(['after', 'server', 'total MB', 'per process MB'], rssRows),
    );
  if (checks.length) {
    out.push(
      '',
      'Budget (DESIGN.md, issue 13):',
      markdownTable(
        ['check', 'measured', 'budget', ''],
        checks.map((c) => [c.check, c.measured, c.budget, c.ok ? 'ok' : 'MISSED']),
      ),
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const serverUrl = env.DATABASE_URL;
  if (!existsSync(ORGBASE_MAIN)) throw new Error(`${ORGBASE_MAIN} is missing: run npm run build first`);
  if (!serverUrl)
    throw new Error('Set DATABASE_URL to a PostgreSQL server; the benchmark creates its own databases on it');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const postgres = await postgresInfo(serverUrl);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: postgres.version,
  };
  console.log(`Orgbase benchmark ${runId}: ${JSON.stringify(settings)}`);
  console.log(
    `Machine: ${JSON.stringify(machine)}; PostgreSQL CPU ${postgres.postmasterPid ? 'counted' : 'not measurable here'}`,
  );

  // 1M vs 10k and RLS on vs off compare list and get: asked for alone, they run those cases without bare.
  const withBare = CASES.some(selected);
  const cases = withBare
    ? CASES.filter(selected)
    : selected('scale') || selected('rls')
      ? (['list', 'get'] as Case[])
      : [];
  const tracing = selected('trace') && settings.pgLog !== '';
  const needsLarge = cases.length > 0 || settings.profile || tracing;
  const datasets: Dataset[] = [];
  const dataset = async (database: string, orgs: number) => {
    const made = await prepareDataset(serverUrl, database, {
      orgs,
      rowsPerOrg: settings.rowsPerOrg,
      reuse: settings.reuseData,
    });
    console.log(
      `Data ${database}: ${made.rows} variables in ${made.orgs} orgs, ${made.loadMs ? `made in ${made.loadMs} ms` : 'reused'}`,
    );
    datasets.push(made);
    return made;
  };
  const large = needsLarge ? await dataset('orgbase_bench_1m', settings.orgs) : null;
  const small =
    cases.some((kind) => kind !== 'create') && selected('scale')
      ? await dataset('orgbase_bench_10k', settings.smallOrgs)
      : null;

  const servers: RunningServer[] = [];
  const outcomes: Partial<Record<Case, CaseOutcome>> = {};
  const rounds: Round[] = [];
  const profiles: Awaited<ReturnType<typeof profileCase>>[] = [];
  let cold: Awaited<ReturnType<typeof coldStarts>> = [];
  let warnings: string[] = [];
  let traces: Awaited<ReturnType<typeof traceStatements>> = [];
  try {
    if (large && cases.length) {
      let port = settings.port;
      const start = async (name: string, args: string[], serverEnv: NodeJS.ProcessEnv, data: Dataset) => {
        const server = await startServer({ name, port: port++, args, env: serverEnv });
        servers.push(server);
        console.log(`Started ${name} (pid ${server.pid}) in ${server.readyMs} ms`);
        return { name, server, dataset: data, token: accessToken(data) } satisfies Target;
      };
      const orgbase = (name: string, data: Dataset, appRole = 'orgbase_app') =>
        start(
          name,
          [ORGBASE_MAIN],
          orgbaseEnv({ port, databaseUrl: data.url, appRole, workers: settings.workers }),
          data,
        );
      const targets = [
        ...(withBare
          ? [await start('bare', [compileBareServer()], bareEnv(port, large.url, settings.workers), large)]
          : []),
        await orgbase('orgbase', large),
        ...(small ? [await orgbase('orgbase-10k', small)] : []),
        // The connecting superuser bypasses row-level security; everything else is the same.
        ...(selected('rls') ? [await orgbase('orgbase-no-rls', large, '')] : []),
      ];
      warnings = await checkSameWork(targets);
      for (const warning of warnings) console.warn(`WARNING ${warning}`);
      for (const kind of cases) {
        console.log(
          `Case ${kind}: ${settings.connections} connections, ${settings.seconds} s per round, ${settings.rounds} rounds`,
        );
        // Creates compare bare and Orgbase only: 1M vs 10k and RLS are about reads.
        const outcome = await runCase(
          kind,
          targets.filter((target) => kind !== 'create' || ['bare', 'orgbase'].includes(target.name)),
          postgres.postmasterPid,
        );
        outcomes[kind] = outcome;
        rounds.push(...outcome.rounds);
      }
      if (selected('create')) {
        const chain = await verifyAuditChain(large);
        console.log(
          `Audit chain of the benchmark org (both servers appended): ${chain.checked} entries, ${chain.valid ? 'intact' : `BROKEN at ${chain.firstInvalidId}`}`,
        );
        if (!chain.valid) warnings.push(`audit chain broken at ${chain.firstInvalidId}`);
      }
      await Promise.all(servers.map(stopServer));
    }
    if (settings.profile && large) {
      console.log('Profiles (node --cpu-prof):');
      for (const kind of (['get', 'list'] as const).filter((kind) => cases.length === 0 || selected(kind))) {
        for (const server of ['orgbase', 'bare'] as const) {
          profiles.push(await profileCase(server, kind, large, postgres.postmasterPid));
        }
      }
    }
    if (selected('trace') && !tracing)
      console.log("Statement trace skipped: set BENCH_PG_LOG to PostgreSQL's log file");
    if (tracing && large) {
      console.log('Statements of one request (PostgreSQL log):');
      traces = await traceStatements(serverUrl, large, settings.pgLog);
    }
    if (selected('cold')) {
      console.log('Cold start to ready (first 200 from GET /health/ready):');
      cold = await coldStarts(serverUrl, settings.port + 20, postgres.postmasterPid);
    }
  } finally {
    await Promise.all(servers.map(stopServer));
  }

  const checks = budgetChecks(
    rounds,
    Object.values(outcomes).map((outcome) => outcome.rssMb),
  );
  console.log('');
  if (rounds.length) console.log(report(rounds, outcomes, checks));
  if (cold.length)
    console.log(
      `\nCold start to ready:\n${markdownTable(
        ['database', 'start', 'ready ms', 'others CPU %'],
        cold.map((c) => [c.database, c.start, c.readyMs, c.otherCpuPercent]),
      )}`,
    );
  for (const profile of profiles)
    console.log(`\n${formatProfile(`${profile.server} ${profile.case} under load`, profile.summary)}`);
  for (const warning of warnings) console.log(`\nWARNING ${warning}`);

  const file = join(RESULTS_DIR, `bench-${runId}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        runId,
        machine,
        settings,
        datasets: datasets.map(({ database, orgs, rows, loadMs }) => ({ database, orgs, rows, loadMs })),
        rounds,
        summary: Object.fromEntries(
          CASES.map((kind) => [
            kind,
            Object.fromEntries(
              ['bare', 'orgbase', 'orgbase-10k', 'orgbase-no-rls'].map((server) => [
                server,
                summarize(rounds, kind, server),
              ]),
            ),
          ]),
        ),
        rss: Object.fromEntries(Object.entries(outcomes).map(([kind, outcome]) => [kind, outcome.rssMb])),
        budget: checks,
        cold,
        profiles,
        traces,
        warnings,
      },
      null,
      2,
    ),
  );
  console.log(`\nResults: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
