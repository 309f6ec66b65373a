import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { JobsService } from '../../jobs/jobs.service';

/** The readiness answer waits no longer for the queue's figures. */
const ANSWER_WITHIN_MS = 1000;

/**
 * The job queue in the readiness answer: whether it runs here and how many jobs wait in each
 * queue (`waiting`), for monitoring to alert on a growing backlog. Like Redis it never makes the
 * server unready: requests are served without it, and a backlog is the whole fleet's, not this
 * instance's, so taking instances out of the load balancer would not shorten it.
 */
@Injectable()
export class JobsHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly jobs: JobsService,
  ) {}

  async check(key: string) {
    const probe = this.indicator.check(key);
    const timeout = new AbortController();
    try {
      const waiting = await Promise.race([
        this.jobs.backlog(),
        sleep(ANSWER_WITHIN_MS, undefined, { signal: timeout.signal }).then(() => {
          throw new Error(`no answer within ${ANSWER_WITHIN_MS} ms`);
        }),
      ]);
      if (!waiting) return probe.up({ running: false, message: 'The job queue has not started (or is stopping)' });
      return probe.up({ running: true, waiting });
    } catch (error) {
      return probe.up({ running: true, message: `The queue's figures are unknown: ${(error as Error).message}` });
    } finally {
      timeout.abort();
    }
  }
}
