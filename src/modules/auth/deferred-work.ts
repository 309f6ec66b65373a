import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { DbContext } from '../../database/db-context';

/**
 * Work a handler starts but does not wait for, so that its answer takes the same time whatever
 * the work finds (forgot-password must not tell known emails from unknown ones by its timing).
 * It starts after the current transaction, if any, has committed and after the handler has
 * returned, in a fresh request context (no transaction or caller of the request), and logs its
 * own errors. Shutdown waits for work under way.
 */
@Injectable()
export class DeferredWork implements BeforeApplicationShutdown {
  private readonly logger = new Logger('DeferredWork');
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly db: DbContext,
    private readonly cls: ClsService,
  ) {}

  start(what: string, work: () => Promise<void>): void {
    this.db.afterCommit(() => {
      const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.cls.run({ ifNested: 'override' }, work))
        .catch((error: unknown) => this.logger.error(`${what} failed: ${(error as Error).message}`))
        .finally(() => this.running.delete(task));
      this.running.add(task);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.running);
  }
}
