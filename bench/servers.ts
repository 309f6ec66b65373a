/** Starting and stopping the servers under test: Orgbase's build (dist/main.js) and the bare baseline. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import ts from 'typescript';
import { AUTH } from './dataset';

export const ROOT = join(__dirname, '..');
export const RESULTS_DIR = join(__dirname, 'results');
export const ORGBASE_MAIN = join(ROOT, 'dist', 'main.js');

export interface RunningServer {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  /** From spawn to the first 200 of GET /health/ready. */
  readyMs: number;
}

/** Only what a server needs from the benchmark's own environment: nothing of it leaks into the runs. */
function baseEnv(): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR, LANG } = process.env;
  return Object.fromEntries(Object.entries({ PATH, HOME, TMPDIR, LANG }).filter(([, value]) => value !== undefined));
}

const ENCRYPTION_KEYS = `bench:${randomBytes(32).toString('base64')}`;

export interface OrgbaseOptions {
  port: number;
  /** PostgreSQL; without it the embedded database under dataDir. */
  databaseUrl?: string;
  /** DATABASE_APP_ROLE: '' keeps the connecting superuser, which bypasses RLS. */
  appRole?: string;
  workers: number;
  dataDir?: string;
  /** Apply pending migrations at start (the benchmark databases are migrated already). */
  migrate?: boolean;
}

/**
 * A production configuration: secrets given, request log off (LOG_LEVEL=warn), rate limits far
 * above the load so they never answer 429, WEB_CONCURRENCY workers.
 */
export function orgbaseEnv(options: OrgbaseOptions): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    DATABASE_APP_ROLE: options.appRole ?? 'orgbase_app',
    ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
    MIGRATE_ON_START: String(options.migrate ?? false),
    SEED_DEMO_DATA: 'false',
    JWT_SECRET: AUTH.secret,
    JWT_ISSUER: AUTH.issuer,
    JWT_AUDIENCE: AUTH.audience,
    ENCRYPTION_KEYS,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    API_KEY_RATE_LIMIT_PER_MINUTE: '1000000000',
    WEB_CONCURRENCY: String(options.workers),
    ...extraOrgbaseEnv(),
  };
}

/** BENCH_ORGBASE_ENV="NAME=value,NAME=value": more settings for the Orgbase servers (to compare two settings). */
function extraOrgbaseEnv(): NodeJS.ProcessEnv {
  const raw = process.env.BENCH_ORGBASE_ENV ?? '';
  return Object.fromEntries(
    raw
      .split(',')
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
  );
}

/** What `node dist/main.js` gets on a developer's machine: only a port and a data directory. */
export function embeddedDefaultEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  return { ...baseEnv(), HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
}

export function bareEnv(port: number, databaseUrl: string, workers: number): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    DATABASE_APP_ROLE: 'orgbase_app',
    JWT_SECRET: AUTH.secret,
    JWT_ISSUER: AUTH.issuer,
    JWT_AUDIENCE: AUTH.audience,
    WEB_CONCURRENCY: String(workers),
  };
}

/**
 * Compiles bench/bare-server.ts (and the audit-chain module it shares with Orgbase) to plain
 * JavaScript under bench/results/build, so the baseline runs on node alone: no tsx loader or
 * esbuild service in its process tree, CPU time or memory. Returns the entry file.
 */
export function compileBareServer(): string {
  const outDir = join(RESULTS_DIR, 'build');
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  const program = ts.createProgram([join(__dirname, 'bare-server.ts')], {
    ...config!.options,
    outDir,
    rootDir: ROOT,
    noEmit: false,
    sourceMap: false,
    incremental: false,
    types: ['node'],
  });
  if (program.emit().emitSkipped) throw new Error('Could not compile bench/bare-server.ts');
  return join(outDir, 'bench', 'bare-server.js');
}

export async function startServer(spec: {
  name: string;
  port: number;
  /** node arguments: flags, then the script. */
  args: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<RunningServer> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, spec.args, { cwd: ROOT, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the end of what it says, for the error if it never gets ready.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${spec.port}`;
  const deadline = spawnedAt + (spec.timeoutMs ?? 60_000);
  while (performance.now() < deadline) {
    if (child.exitCode !== null) break;
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
    if (response?.status === 200) {
      const readyMs = Math.round(performance.now() - spawnedAt);
      return { name: spec.name, url, child, pid: child.pid!, spawnedAt, readyMs };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`${spec.name} did not get ready (exit code ${child.exitCode}):\n${output}`);
}

/** SIGTERM and wait for the exit (a CPU profile is written then); SIGKILL after 20 s. */
export async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
