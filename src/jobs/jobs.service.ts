import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { AppConfig } from '../config/app-config';
import type { JobsSql } from '../database/database-connection';
import { DbContext } from '../database/db-context';
import { JobsDatabase } from '../database/jobs-database';

/** What a handler gets besides the job's data. */
export interface JobContext {
  id: string;
  /** Earlier tries of this job (0 on the first). */
  retryCount: number;
  retryLimit: number;
  /** Aborted when the job times out or the process shuts down: stop, the job is tried again. */
  signal: AbortSignal;
}

export type JobHandler<T> = (data: T, job: JobContext) => Promise<void>;

export interface QueueOptions {
  /** Jobs of this queue one process runs at once (default RUN_CONCURRENCY; 0 runs none here). */
  concurrency?: number;
  /** Tries after the first when the handler throws (default 2). */
  retryLimit?: number;
  /** Seconds before a retry (default 1); doubled per try with `retryBackoff`. */
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A job running longer is stopped and tried again (default RUN_SCENARIO_TIMEOUT_SECONDS). */
  expireInSeconds?: number;
}

export interface SendOptions {
  /** The job's id: sending the same id twice queues it once (while pg-boss keeps the first). */
  id?: string;
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

interface Queue {
  name: string;
  handler: JobHandler<unknown>;
  options: QueueOptions;
  workerIds: string[];
}

/**
 * Background jobs on pg-boss, in the app's own database (PostgreSQL or the embedded PGlite, see
 * `JobsSql`): modules register a handler per queue at init; the queue starts with the app and
 * stops with it. pg-boss fetches with FOR UPDATE SKIP LOCKED, so across worker processes and
 * instances each job runs once. Handlers run outside any request: they open their own scope
 * (`DbContext.run`) for the org and user the job acts for.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly queues = new Map<string, Queue>();
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly listeners: (() => Promise<void>)[] = [];
  /** Cron schedules to set when the queue starts; null removes a queue's schedule. */
  private readonly schedules = new Map<string, { cron: string; data: object } | null>();
  private boss?: PgBoss;
  private starting?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly database: JobsDatabase,
    private readonly db: DbContext,
  ) {}

  /** Registers the handler of `queue`; call it before the app has started (onModuleInit). */
  register<T>(queue: string, handler: JobHandler<T>, options: QueueOptions = {}): void {
    if (this.starting) throw new Error(`Queue ${queue} registered after the jobs started`);
    this.queues.set(queue, { name: queue, handler: handler as JobHandler<unknown>, options, workerIds: [] });
  }

  /**
   * Queues a `queue` job with `data` whenever `cron` (UTC) comes due: pg-boss's scheduler makes one
   * job per due time across all instances, so exactly one worker runs it. Call it before the app
   * has started (onModuleInit), after register().
   */
  schedule(queue: string, cron: string, data: object = {}): void {
    if (this.starting) throw new Error(`Queue ${queue} scheduled after the jobs started`);
    this.schedules.set(queue, { cron, data });
  }

  /** Removes the schedule of `queue` (set by this or an earlier start, e.g. before its cron was emptied). */
  unschedule(queue: string): void {
    if (this.starting) throw new Error(`Queue ${queue} unscheduled after the jobs started`);
    this.schedules.set(queue, null);
  }

  onApplicationBootstrap(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  /**
   * Queues a job. Inside a transaction it is sent once that commits (never if it rolls back:
   * and on PGlite a queue query inside an open transaction would wait for it forever); a failed
   * send is logged, the callers' sweeps find what was not queued.
   */
  async send<T extends object>(queue: string, data: T, options: SendOptions = {}): Promise<void> {
    if (this.db.inTransaction) {
      this.db.afterCommit(
        () => void this.sendNow(queue, data, options).catch((error) => this.failedSend(queue, error)),
      );
      return;
    }
    await this.sendNow(queue, data, options);
  }

  /** How many jobs wait in each queue (queued or to retry, not yet taken); null before the queue started. */
  async backlog(): Promise<Record<string, number> | null> {
    const boss = this.boss;
    if (!boss) return null;
    const names = [...this.queues.keys()].sort();
    const sizes = await Promise.all(names.map((name) => boss.getQueueSize(name)));
    return Object.fromEntries(names.map((name, i) => [name, sizes[i]!]));
  }

  /** The state of a job, null when pg-boss has none (never sent, or deleted after its retention). */
  async state(queue: string, id: string): Promise<JobState | null> {
    this.assertOutsideTransaction();
    const job = await (await this.started()).getJobById(queue, id);
    return (job?.state as JobState | undefined) ?? null;
  }

  /**
   * Calls `onMessage` with each payload NOTIFY sends on `channel` (in any instance) until the
   * app stops: how a job running here learns of a change made elsewhere (a cancelled run).
   */
  async listen(channel: string, onMessage: (payload: string) => void): Promise<void> {
    const stop = await this.database.listen(channel, { message: onMessage, live: () => undefined });
    this.listeners.push(stop);
  }

  /** Stops fetching, lets running jobs finish for JOBS_SHUTDOWN_GRACE_MS, then aborts them. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.listeners.splice(0).map((stop) => stop().catch(() => undefined)));
    await this.starting?.catch(() => undefined);
    const boss = this.boss;
    if (!boss) return;
    const abort = setTimeout(
      () => this.shutdown.abort(new Error('The server is shutting down')),
      this.config.JOBS_SHUTDOWN_GRACE_MS,
    );
    try {
      await boss.stop({ graceful: true, wait: true, close: false, timeout: this.config.JOBS_SHUTDOWN_GRACE_MS + 2000 });
    } catch (error) {
      this.logger.warn(`Stopping the job queue: ${(error as Error).message}`);
    } finally {
      clearTimeout(abort);
      this.shutdown.abort(new Error('The server is shutting down'));
    }
    // pg-boss records a job's outcome without waiting for it: let those writes land before the database closes.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.boss = undefined;
  }

  private async start(): Promise<void> {
    const sql = this.tracked(this.database.sql());
    const boss = new PgBoss({
      db: sql as PgBoss.Db,
      schema: 'pgboss',
      migrate: true,
      supervise: true,
      // The scheduler (a timer and a cron queue) only runs where something is scheduled.
      schedule: [...this.schedules.values()].some((entry) => entry !== null),
      maintenanceIntervalSeconds: 60,
    });
    boss.on('error', (error: Error) => this.logger.warn(`Job queue: ${error.message}`));
    await boss.start();
    this.boss = boss;
    for (const queue of this.queues.values()) {
      await this.ensureQueue(boss, queue);
      const concurrency = queue.options.concurrency ?? this.config.RUN_CONCURRENCY;
      for (let i = 0; i < concurrency; i++) {
        queue.workerIds.push(
          await boss.work<unknown>(
            queue.name,
            { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.config.JOBS_POLL_INTERVAL_MS / 1000 },
            ([job]) => this.handle(queue, job!),
          ),
        );
      }
    }
    for (const [queue, entry] of this.schedules) {
      if (entry) await boss.schedule(queue, entry.cron, entry.data, { tz: 'UTC' });
      else await boss.unschedule(queue);
    }
    this.logger.log(
      `Job queue started (${[...this.queues.values()].map((q) => `${q.name} ×${q.workerIds.length}`).join(', ') || 'no queues'})`,
    );
  }

  /**
   * Creates the queue or applies changed options. Instances starting together on a fresh
   * database race in pgboss.create_queue, and PostgreSQL breaks the tie with a deadlock or a
   * duplicate error for one of them: that one tries again and finds the queue the other made.
   */
  private async ensureQueue(boss: PgBoss, queue: Queue): Promise<void> {
    const options = this.queueOptions(queue.name, queue.options);
    for (let attempt = 1; ; attempt++) {
      try {
        if (await boss.getQueue(queue.name)) await boss.updateQueue(queue.name, options);
        else await boss.createQueue(queue.name, options);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 5 || (code !== '40P01' && code !== '23505')) throw error;
        this.logger.log(`Creating queue ${queue.name} raced another instance (${code}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
      }
    }
  }

  private async handle(queue: Queue, job: PgBoss.JobWithMetadata<unknown>): Promise<void> {
    if (this.shutdown.signal.aborted) throw new Error('The server is shutting down');
    const timeout = AbortSignal.timeout(job.expireInSeconds * 1000);
    const signal = AbortSignal.any([this.shutdown.signal, timeout]);
    try {
      await queue.handler(job.data, { id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, signal });
    } catch (error) {
      this.logger.warn(`Job ${queue.name} ${job.id} (try ${job.retryCount + 1}) failed: ${(error as Error).message}`);
      throw error;
    }
  }

  private async sendNow(queue: string, data: object, options: SendOptions): Promise<void> {
    const boss = await this.started();
    await boss.send(queue, data, { id: options.id });
    // A worker of this process picks it up now rather than at its next poll.
    const workerId = this.queues.get(queue)?.workerIds[0];
    if (workerId) boss.notifyWorker(workerId);
  }

  private async started(): Promise<PgBoss> {
    await this.onApplicationBootstrap();
    if (!this.boss) throw new Error('The job queue is not running');
    return this.boss;
  }

  private queueOptions(name: string, options: QueueOptions): PgBoss.Queue {
    return {
      name,
      policy: 'standard',
      retryLimit: options.retryLimit ?? 2,
      retryDelay: options.retryDelaySeconds ?? 1,
      retryBackoff: options.retryBackoff ?? true,
      expireInSeconds: options.expireInSeconds ?? this.config.RUN_SCENARIO_TIMEOUT_SECONDS,
    };
  }

  /** Counts the queue's statements in flight, so that shutdown waits for them. */
  private tracked(sql: JobsSql): JobsSql {
    return {
      executeSql: (text, values) => {
        const pending = sql.executeSql(text, values);
        this.inFlight.add(pending);
        void pending.finally(() => this.inFlight.delete(pending)).catch(() => undefined);
        return pending;
      },
    };
  }

  private assertOutsideTransaction(): void {
    // On PGlite the query would wait for the transaction's end, which waits for it.
    if (this.db.inTransaction) throw new Error('Job queue queries must run outside a database transaction');
  }

  private failedSend(queue: string, error: unknown): void {
    this.logger.error(`Could not queue a ${queue} job: ${(error as Error).message}`);
  }
}
