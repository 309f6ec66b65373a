import cluster, { type Worker } from 'node:cluster';
import { Logger } from '@nestjs/common';
import { resolveSecrets } from './common/auth/secrets';
import { createRootLogger, PinoNestLogger } from './common/logging/logger';
import { resolveKeyRing } from './common/secrets/key-ring.provider';
import type { AppConfig } from './config/app-config';
import { openPrisma } from './database/database.module';

/**
 * WEB_CONCURRENCY > 1: a primary process that serves nothing itself and runs that many workers
 * (node:cluster), each a whole server on the shared PORT.
 *
 * The primary does the once-per-start work before forking (secrets generated into DATA_DIR,
 * migrations, demo data), so workers never race on it; restarts a worker that dies, waiting
 * longer after each quick death; and on SIGTERM/SIGINT asks every worker to shut down gracefully,
 * exiting once all have (1 if any did not exit cleanly).
 */

/** The primary's request to a worker: run your graceful shutdown. A message, not a signal, so that
 * a terminal's Ctrl-C (which reaches the workers too) does not count twice and force them out. */
interface ShutdownRequest {
  type: 'orgbase:shutdown';
  signal: NodeJS.Signals;
}

/** The first restart waits this long, doubling with each worker that dies soon after its start. */
const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long was healthy: the next restart waits the least again. */
const HEALTHY_AFTER_MS = 60_000;
/** Beyond SHUTDOWN_TIMEOUT_MS (each worker's own limit), how long the primary waits before SIGKILL. */
const SHUTDOWN_GRACE_MS = 5000;

export async function runPrimary(config: AppConfig, workers: number): Promise<void> {
  Logger.overrideLogger(new PinoNestLogger(createRootLogger(config)));
  const logger = new Logger('Cluster');
  try {
    resolveSecrets(config);
    resolveKeyRing(config);
    const prisma = await openPrisma(config);
    await prisma.onApplicationShutdown();
  } catch (error) {
    logger.error(`Start-up failed: ${(error as Error).message}`);
    process.exit(1);
  }
  new Supervisor(config, workers, logger).start();
}

/** In a worker: start the server, and shut it down when the primary asks. */
export async function runWorker(start: () => Promise<(signal: NodeJS.Signals) => Promise<void>>): Promise<void> {
  const server: { shutdown?: (signal: NodeJS.Signals) => Promise<void> } = {};
  process.on('message', (message: Partial<ShutdownRequest>) => {
    if (message?.type !== 'orgbase:shutdown' || !message.signal) return;
    // Still starting: nothing is in flight yet.
    if (server.shutdown) void server.shutdown(message.signal);
    else process.exit(0);
  });
  server.shutdown = await start();
}

class Supervisor {
  /** Live workers and when each was forked. */
  private readonly workers = new Map<Worker, number>();
  private readonly pendingRestarts = new Set<NodeJS.Timeout>();
  private quickDeaths = 0;
  private serving = false;
  private stopping = false;
  private exitCode = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly count: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    cluster.on('listening', () => (this.serving = true));
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal));
    process.on('SIGTERM', () => this.stop('SIGTERM', 'SIGTERM received'));
    process.on('SIGINT', () => this.stop('SIGINT', 'SIGINT received'));
    for (let i = 0; i < this.count; i++) this.fork();
    this.logger.log(`Primary ${process.pid} started ${this.count} workers (WEB_CONCURRENCY)`);
  }

  private fork(): void {
    // The primary has migrated and seeded already.
    const worker = cluster.fork({ MIGRATE_ON_START: 'false', SEED_DEMO_DATA: 'false' });
    this.workers.set(worker, Date.now());
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const lived = Date.now() - (this.workers.get(worker) ?? Date.now());
    this.workers.delete(worker);
    const how = signal ?? `code ${code}`;
    if (this.stopping) {
      if (code !== 0) this.exitCode = 1;
      this.logger.log(`Worker ${worker.process.pid} exited (${how})`);
      if (this.workers.size === 0) this.finish();
      return;
    }
    if (!this.serving) {
      // No worker ever came up: restarting would only repeat the failure (bad config, port in use).
      this.logger.error(`Worker ${worker.process.pid} exited (${how}) before any worker was serving; stopping`);
      this.exitCode = 1;
      this.stop('SIGTERM', 'Start-up failed');
      return;
    }
    this.quickDeaths = lived >= HEALTHY_AFTER_MS ? 1 : this.quickDeaths + 1;
    const delay = Math.min(RESTART_DELAY_MS * 2 ** (this.quickDeaths - 1), MAX_RESTART_DELAY_MS);
    this.logger.error(
      `Worker ${worker.process.pid} exited unexpectedly (${how}) after ${lived} ms; starting another in ${delay} ms`,
    );
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(timer);
      this.fork();
    }, delay);
    this.pendingRestarts.add(timer);
  }

  private stop(signal: NodeJS.Signals, why: string): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.pendingRestarts) clearTimeout(timer);
    this.pendingRestarts.clear();
    this.logger.log(`${why}: asking ${this.workers.size} workers to finish in-flight requests`);
    for (const worker of this.workers.keys()) {
      const request: ShutdownRequest = { type: 'orgbase:shutdown', signal };
      if (worker.isConnected()) worker.send(request);
      else worker.process.kill(signal);
    }
    setTimeout(() => {
      this.logger.error(
        `Workers still running ${this.config.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS} ms after ${signal}; killing them`,
      );
      for (const worker of this.workers.keys()) worker.process.kill('SIGKILL');
    }, this.config.SHUTDOWN_TIMEOUT_MS + SHUTDOWN_GRACE_MS).unref();
    if (this.workers.size === 0) this.finish();
  }

  private finish(): void {
    this.logger.log(this.exitCode === 0 ? 'All workers stopped' : 'Stopped; some workers did not exit cleanly');
    process.exit(this.exitCode);
  }
}
