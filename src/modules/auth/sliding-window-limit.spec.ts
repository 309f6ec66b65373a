import { SlidingWindowLimit } from './sliding-window-limit';

describe('SlidingWindowLimit', () => {
  let clock: number;
  const make = (max = 3, windowMs = 1000, maxKeys = 100) => new SlidingWindowLimit(max, windowMs, maxKeys, () => clock);

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('locks a key after maxFailures failures and leaves other keys alone', () => {
    const attempts = make();
    attempts.record('a');
    attempts.record('a');
    expect(attempts.isExhausted('a')).toBe(false);
    attempts.record('a');
    expect(attempts.isExhausted('a')).toBe(true);
    expect(attempts.isExhausted('b')).toBe(false);
  });

  it('slides: a lock ends when the oldest failure leaves the window', () => {
    const attempts = make(3, 1000);
    attempts.record('a'); // t=0
    clock += 400;
    attempts.record('a'); // t=400
    attempts.record('a'); // t=400
    clock += 599; // t=999: all three inside the window
    expect(attempts.isExhausted('a')).toBe(true);
    clock += 1; // t=1000: the first one has left
    expect(attempts.isExhausted('a')).toBe(false);
    attempts.record('a');
    expect(attempts.isExhausted('a')).toBe(true);
    clock += 1000;
    expect(attempts.isExhausted('a')).toBe(false);
    expect(attempts.size).toBe(0);
  });

  it('reset clears a key', () => {
    const attempts = make(1);
    attempts.record('a');
    expect(attempts.isExhausted('a')).toBe(true);
    attempts.reset('a');
    expect(attempts.isExhausted('a')).toBe(false);
  });

  it('forgive takes back only the newest failure', () => {
    const attempts = make(2);
    attempts.record('a');
    attempts.record('a');
    attempts.forgive('a');
    expect(attempts.isExhausted('a')).toBe(false);
    attempts.forgive('a');
    expect(attempts.size).toBe(0);
    attempts.forgive('a');
    expect(attempts.size).toBe(0);
  });

  it('bounds memory: keeps at most maxFailures timestamps per key and maxKeys keys, dropping the least recent', () => {
    const attempts = make(2, 1000, 3);
    for (let i = 0; i < 50; i++) attempts.record('busy');
    expect((attempts as unknown as { failures: Map<string, number[]> }).failures.get('busy')).toHaveLength(2);
    attempts.record('k1');
    attempts.record('k2');
    attempts.record('busy'); // most recent again
    attempts.record('k3'); // evicts k1, the least recently failed
    expect(attempts.size).toBe(3);
    expect(attempts.isExhausted('busy')).toBe(true);
    attempts.record('k1');
    expect(attempts.isExhausted('k1')).toBe(false);
  });
});

describe('SlidingWindowLimit.retryAfterMs', () => {
  it('is the time until the oldest event leaves the window, 0 while not exhausted', () => {
    let clock = 5_000;
    const limit = new SlidingWindowLimit(2, 1000, 100, () => clock);
    limit.record('a');
    expect(limit.retryAfterMs('a')).toBe(0);
    clock += 300;
    limit.record('a');
    expect(limit.retryAfterMs('a')).toBe(700);
    clock += 700;
    expect(limit.retryAfterMs('a')).toBe(0);
  });
});
