import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { orNotFound } from '../../common/errors/app-exception';
import { RequestContext } from '../../common/tenancy/request-context';
import { toRunResponse, type RunResponseDto } from './dto/run.dto';
import { isFinished, type RunRow } from './runs.repository';
import { RunsService } from './runs.service';

/** How often the stream looks at the run, and how often it says it is still there when nothing changed. */
const POLL_MS = 500;
const KEEP_ALIVE_MS = 15_000;

/**
 * The server-sent events of a run: `progress` when its status or progress changes, then one
 * `done` with the finished run, then the stream ends. Each look at the run is a short scope of
 * its own, so a stream holds no transaction (nor connection) between looks; it stops looking
 * as soon as the client goes away (`gone`: the response stream closed).
 */
@Injectable()
export class RunsEvents {
  constructor(
    private readonly runs: RunsService,
    private readonly context: RequestContext,
  ) {}

  /** 404 when there is no such run; else the stream's lines, until `gone` (the client went away). */
  async open(orgId: string, id: string, gone: AbortSignal): Promise<AsyncGenerator<string>> {
    const userId = this.context.userId;
    const look = () => this.runs.snapshot(orgId, userId, id);
    const first = orNotFound(await look(), 'Run');
    return (async function* () {
      let run: RunRow | null = first;
      let last = '';
      let quietSince = Date.now();
      // Ends when the run is gone (its scenario was deleted), too.
      while (run && !gone.aborted) {
        const state = `${run.status}:${run.doneCount}`;
        if (isFinished(run.status)) {
          yield event('done', toRunResponse(run));
          return;
        }
        if (state !== last) {
          yield event('progress', toRunResponse(run));
          last = state;
          quietSince = Date.now();
        } else if (Date.now() - quietSince > KEEP_ALIVE_MS) {
          yield ': keep-alive\n\n';
          quietSince = Date.now();
        }
        await sleep(POLL_MS, undefined, { signal: gone }).catch(() => undefined);
        if (!gone.aborted) run = await look();
      }
    })();
  }
}

function event(name: 'progress' | 'done', run: RunResponseDto): string {
  return `event: ${name}\ndata: ${JSON.stringify(run)}\n\n`;
}
