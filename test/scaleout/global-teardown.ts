import { dropTemplate } from '../support/database';
import { announcePair } from '../support/pair';
import type { RunningPair } from './support/pair';

const state = globalThis as { orgbasePair?: RunningPair };

export default async function globalTeardown(): Promise<void> {
  const running = state.orgbasePair;
  state.orgbasePair = undefined;
  announcePair(undefined);
  await running?.stop();
  await dropTemplate();
}
