import { Redis } from 'ioredis';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import type { TestDatabase } from './database';
import type { TestAppOptions } from './test-app';

/**
 * Two built servers (dist/main.js) on one database and one Redis behind nginx, which
 * `npm run test:scaleout` starts once (test/scaleout/global-setup.ts). While it runs, e2e test
 * apps send their requests to nginx instead of to an app in the test process; the app in the test
 * process still boots, on the pair's database with the pair's secrets, for what tests do behind
 * the API (factories, SQL as the owner, signing tokens).
 */
export interface Pair {
  /** nginx, round robin over `instances`. */
  url: string;
  instances: string[];
  databaseUrl: string;
  redisUrl: string;
  /** Where the pair sends mail: SmtpSink listens there while the pair runs. */
  smtpPort: number;
  /** What both instances run with besides their port, database, Redis and log level. */
  env: Record<string, string>;
}

const PAIR_ENV = 'ORGBASE_TEST_PAIR';

export function announcePair(pair: Pair | undefined): void {
  if (pair) process.env[PAIR_ENV] = JSON.stringify(pair);
  else delete process.env[PAIR_ENV];
}

export function runningPair(): Pair | undefined {
  const raw = process.env[PAIR_ENV];
  return raw ? (JSON.parse(raw) as Pair) : undefined;
}

/**
 * The running pair when it can serve a test app with these options: no controllers or modules of
 * the test's own, no log capture, and no setting other than the pair's. Otherwise the test gets
 * an app in its own process as usual, and a line on stderr says so.
 */
export function pairFor(options: TestAppOptions): Pair | undefined {
  const pair = runningPair();
  if (!pair) return undefined;
  const why = reasonNotServed(pair, options);
  if (!why) return pair;
  const file = expect.getState().testPath?.replace(`${process.cwd()}/`, '') ?? 'a test';
  process.stderr.write(`[pair] ${file}: served by an app in the test process, not the pair (${why})\n`);
  return undefined;
}

function reasonNotServed(pair: Pair, options: TestAppOptions): string | undefined {
  if (options.controllers?.length || options.imports?.length) return 'it adds controllers or modules';
  if (options.logDestination) return 'it reads the log';
  if (options.database) return 'it brings its own database';
  const base = { ...pair.env, DATABASE_URL: pair.databaseUrl };
  const pairs = loadConfig(base);
  const wanted = loadConfig({ ...base, ...options.env });
  const differs = Object.keys(options.env ?? {}).find(
    (key) => String(pairs[key as keyof AppConfig]) !== String(wanted[key as keyof AppConfig]),
  );
  return differs && `it sets ${differs}=${options.env![differs]}`;
}

/**
 * `it` for a test that watches the app inside the test process (a spy on one of its services, its
 * log) or sends what nginx refuses before any instance sees it: skipped while requests go to the pair.
 */
export function itInProcess(name: string, test: jest.ProvidesCallback, timeout?: number): void {
  (runningPair() ? it.skip : it)(name, test, timeout);
}

/** The pair's database: shared by every test file, so never dropped by one. */
export function pairDatabase(pair: Pair): TestDatabase {
  return { url: pair.databaseUrl, embedded: {}, drop: async () => undefined };
}

/** Empties the pair's Redis: each test app starts with no rate or sign-in counts, as an app of its own would. */
export async function forgetLimits(pair: Pair): Promise<void> {
  const redis = new Redis(pair.redisUrl);
  try {
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

/**
 * The status a request gets once a change that ends access (logout, deletion, suspension) has
 * reached every instance. In process that is at once. Through the pair the other instance hears
 * of it by a database notification within milliseconds (README, "Scaling out"), so a request that
 * lands there first is asked again, for up to `withinMs`.
 */
export async function statusOnceSettled(
  send: () => PromiseLike<{ status: number }>,
  withinMs = 2_000,
): Promise<number> {
  let { status } = await send();
  const until = Date.now() + withinMs;
  while (runningPair() && status < 400 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ({ status } = await send());
  }
  return status;
}
