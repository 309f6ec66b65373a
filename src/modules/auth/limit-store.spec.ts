import { MemoryLimitStore, type DelayRule, type WindowRule } from './limit-store';

// ProgressiveDelay and SlidingWindowLimit have their own specs; these are the store's combined
// operations. test/scaleout/limit-store.scaleout-spec.ts checks RedisLimitStore against this one.
describe('MemoryLimitStore', () => {
  let clock: number;
  let store: MemoryLimitStore;
  const pairs: DelayRule = { name: 'pairs', free: 2, baseMs: 1000, maxMs: 60_000 };
  const addresses: DelayRule = { name: 'addresses', free: 3, baseMs: 1000, maxMs: 60_000 };
  const accounts: WindowRule = { name: 'accounts', max: 3, windowMs: 10_000 };

  beforeEach(() => {
    clock = 1_000_000;
    store = new MemoryLimitStore(() => clock);
  });

  it('attemptDelays counts against every key, or against none while one of them must wait', async () => {
    const both = [
      { rule: pairs, key: 'a@x 1.1.1.1' },
      { rule: addresses, key: '1.1.1.1' },
    ];
    expect(await store.attemptDelays(both)).toBe(0);
    expect(await store.attemptDelays(both)).toBe(0);
    // The pair has used its two free failures: it waits 1 s, and the address is not counted.
    expect(await store.attemptDelays(both)).toBe(1000);
    clock += 500;
    expect(await store.attemptDelays([{ rule: addresses, key: '1.1.1.1' }])).toBe(0);
    // That was the address's third failure: it waits 1 s from now, longer than the pair.
    clock += 500;
    expect(await store.attemptDelays(both)).toBe(500);
    clock += 500;
    expect(await store.attemptDelays(both)).toBe(0);
    // Third failure of the pair (its refused attempts did not count): it waits 2 s.
    expect(await store.attemptDelays(both)).toBe(2000);
  });

  it('forgiveDelay takes back one failure, resetDelay all of them', async () => {
    const check = { rule: pairs, key: 'k' };
    await store.attemptDelays([check]);
    await store.attemptDelays([check]);
    await store.forgiveDelay(check);
    expect(await store.attemptDelays([check])).toBe(0);
    expect(await store.attemptDelays([check])).toBe(1000);
    await store.resetDelay(check);
    expect(await store.attemptDelays([check])).toBe(0);
  });

  it('recordWindow is true only for the event that exhausted the key', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await store.recordWindow(accounts, 'a'));
    expect(results).toEqual([false, false, true, false, false]);
    expect(await store.windowWaitMs(accounts, 'a')).toBe(10_000);
    await store.resetWindow(accounts, 'a');
    expect(await store.windowWaitMs(accounts, 'a')).toBe(0);
  });

  it('attemptWindow counts until exhausted, then answers the wait without counting', async () => {
    expect(await store.attemptWindow(accounts, 'a')).toBe(0);
    clock += 4000;
    expect(await store.attemptWindow(accounts, 'a')).toBe(0);
    expect(await store.attemptWindow(accounts, 'a')).toBe(0);
    expect(await store.attemptWindow(accounts, 'a')).toBe(6000);
    await store.forgiveWindow(accounts, 'a');
    expect(await store.windowWaitMs(accounts, 'a')).toBe(0);
    clock += 6000;
    // The first event has left the window.
    expect(await store.attemptWindow(accounts, 'a')).toBe(0);
    expect(await store.attemptWindow(accounts, 'a')).toBe(0);
    expect(await store.attemptWindow(accounts, 'a')).toBe(4000);
  });
});
