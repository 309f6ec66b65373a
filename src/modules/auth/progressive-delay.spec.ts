import { ProgressiveDelay } from './progressive-delay';

describe('ProgressiveDelay', () => {
  let clock: number;
  const SECOND = 1000;
  const make = (free = 3, maxKeys = 100) => new ProgressiveDelay(free, 30 * SECOND, 900 * SECOND, maxKeys, () => clock);

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('lets `free` failures through, then makes the key wait, doubling with each further failure up to the maximum', () => {
    const delay = make(3);
    for (let i = 0; i < 3; i++) {
      expect(delay.waitMs('a')).toBe(0);
      delay.record('a');
    }
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      waits.push(delay.waitMs('a'));
      clock += delay.waitMs('a');
      expect(delay.waitMs('a')).toBe(0);
      delay.record('a');
    }
    expect(waits.map((ms) => ms / SECOND)).toEqual([30, 60, 120, 240, 480, 900, 900]);
    expect(delay.waitMs('b')).toBe(0);
  });

  it('counts the wait from the latest failure', () => {
    const delay = make(1);
    delay.record('a');
    clock += 10 * SECOND;
    expect(delay.waitMs('a')).toBe(20 * SECOND);
  });

  it('forgets a key once its wait ended the maximum wait ago', () => {
    const delay = make(1);
    delay.record('a'); // waits 30 s
    clock += 30 * SECOND + 899 * SECOND;
    delay.record('a'); // still remembered: two failures, waits 60 s
    clock += 60 * SECOND - 1;
    expect(delay.waitMs('a')).toBe(1);
    clock += 1 + 900 * SECOND - 1;
    expect(delay.waitMs('a')).toBe(0);
    expect(delay.size).toBe(1);
    clock += 1;
    expect(delay.waitMs('a')).toBe(0);
    expect(delay.size).toBe(0);
    delay.record('a');
    expect(delay.waitMs('a')).toBe(30 * SECOND);
  });

  it('forgive takes back one failure; reset all of them', () => {
    const delay = make(2);
    delay.record('a');
    delay.record('a');
    expect(delay.waitMs('a')).toBeGreaterThan(0);
    delay.forgive('a');
    expect(delay.waitMs('a')).toBe(0);
    delay.forgive('a');
    expect(delay.size).toBe(0);
    delay.forgive('a');
    delay.record('a');
    delay.record('a');
    delay.reset('a');
    expect(delay.waitMs('a')).toBe(0);
    expect(delay.size).toBe(0);
  });

  it('bounds memory: at most maxKeys keys, the least recently failed dropped first', () => {
    const delay = make(1, 3);
    delay.record('k1');
    delay.record('k2');
    delay.record('k3');
    delay.record('k1'); // most recent again
    delay.record('k4'); // evicts k2
    expect(delay.size).toBe(3);
    expect(delay.waitMs('k2')).toBe(0);
    expect(delay.waitMs('k1')).toBeGreaterThan(0);
  });
});
