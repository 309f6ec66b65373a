import type { Logger } from '@nestjs/common';

/**
 * A runner's sweep (what lost or stuck jobs left behind), run every few seconds in this process,
 * one at a time, its failures logged. Every instance sweeps: a sweep's work is idempotent.
 */
export class PeriodicSweep {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly what: string,
    private readonly work: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(intervalSeconds: number): void {
    this.timer = setInterval(() => void this.run(), intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Sweeps now, or joins the sweep under way; never rejects. */
  run(): Promise<void> {
    this.running ??= this.work()
      .catch((error: unknown) =>
        this.logger.warn(`Sweep of ${this.what} failed: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
