import { prepareTemplate } from '../support/database';
import { announcePair, runningPair } from '../support/pair';
import { ensureBuilt } from '../reliability/support/server-process';
import { RunningPair } from './support/pair';
import { scaleoutMissing } from './support/services';

const state = globalThis as { orgbasePair?: RunningPair };

/** Once per run (each project asks): the template database, the build, and the pair of servers. */
export default async function globalSetup(): Promise<void> {
  await prepareTemplate();
  if (runningPair()) return;
  const missing = scaleoutMissing();
  if (missing) {
    process.stdout.write(`\n[scaleout] skipped: ${missing}\n`);
    return;
  }
  ensureBuilt();
  state.orgbasePair = await RunningPair.start();
  announcePair(state.orgbasePair.pair);
}
