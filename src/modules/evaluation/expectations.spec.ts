import { ExpectationType } from '../../generated/prisma/enums';
import {
  evaluateExpectation,
  evaluateExpectations,
  weightedScore,
  type ExpectationRule,
  type ExpectationVerdict,
  type Judge,
} from './expectations';

const rule = (type: ExpectationType, fields: Partial<ExpectationRule> = {}): ExpectationRule => ({
  type,
  values: [],
  pattern: null,
  assertion: null,
  caseSensitive: false,
  weight: 1,
  ...fields,
});
const contains = (values: string[], caseSensitive = false) =>
  rule(ExpectationType.MUST_CONTAIN, { values, caseSensitive });
const any = (values: string[], caseSensitive = false) =>
  rule(ExpectationType.MUST_CONTAIN_ANY, { values, caseSensitive });
const none = (values: string[], caseSensitive = false) =>
  rule(ExpectationType.MUST_NOT_CONTAIN, { values, caseSensitive });
const regex = (pattern: string, caseSensitive = false) => rule(ExpectationType.REGEX, { pattern, caseSensitive });

describe('MUST_CONTAIN', () => {
  it('passes when every value is present and names the missing ones otherwise', () => {
    expect(evaluateExpectation(contains(['refund', '30 days']), 'A refund within 30 days.')).toEqual({
      passed: true,
      score: 1,
      reason: 'contains all of: "refund", "30 days"',
    });
    expect(evaluateExpectation(contains(['refund', 'receipt', '30 days']), 'A refund, sure.')).toEqual({
      passed: false,
      score: 0,
      reason: 'missing: "receipt", "30 days"',
    });
  });

  it('ignores case unless caseSensitive, with Unicode case folding', () => {
    expect(evaluateExpectation(contains(['REFUND']), 'refund').passed).toBe(true);
    expect(evaluateExpectation(contains(['REFUND'], true), 'refund').passed).toBe(false);
    expect(evaluateExpectation(contains(['STRASSE']), 'Die Hauptstraße 5').passed).toBe(true);
    expect(evaluateExpectation(contains(['Straße']), 'HAUPTSTRASSE').passed).toBe(true);
    expect(evaluateExpectation(contains(['ÉCOLE']), "à l'école").passed).toBe(true);
    expect(evaluateExpectation(contains(['ΟΔΟΣ']), 'στην οδος').passed).toBe(true);
    // Folding is not accent stripping.
    expect(evaluateExpectation(contains(['ecole']), "à l'école").passed).toBe(false);
    expect(evaluateExpectation(contains(['Straße'], true), 'STRASSE').passed).toBe(false);
  });

  it('treats composed and decomposed accents alike (NFC), case-sensitive or not', () => {
    const decomposed = 'cafe\u0301';
    expect(evaluateExpectation(contains(['café'], true), `un ${decomposed}`).passed).toBe(true);
    expect(evaluateExpectation(contains([decomposed]), 'UN CAFÉ').passed).toBe(true);
  });

  it('fails on an empty reply, saying so; blank values are ignored, none at all fails', () => {
    expect(evaluateExpectation(contains(['hello']), '')).toEqual({
      passed: false,
      score: 0,
      reason: 'missing: "hello" (the reply is empty)',
    });
    expect(evaluateExpectation(contains(['hello', '']), 'hello').passed).toBe(true);
    expect(evaluateExpectation(contains([]), 'anything')).toMatchObject({ passed: false, reason: /no values/ });
    expect(evaluateExpectation(contains(['']), 'anything').passed).toBe(false);
  });

  it('cuts long values in the reason', () => {
    const long = 'x'.repeat(200);
    const reason = evaluateExpectation(contains([long]), 'short').reason;
    expect(reason.length).toBeLessThan(120);
    expect(reason).toContain('…');
  });
});

describe('MUST_CONTAIN_ANY', () => {
  it('passes when one value is present, naming those found', () => {
    expect(evaluateExpectation(any(['email', 'phone', 'chat']), 'Call our PHONE line or use chat')).toEqual({
      passed: true,
      score: 1,
      reason: 'contains: "phone", "chat"',
    });
    expect(evaluateExpectation(any(['email', 'phone']), 'Write a letter')).toEqual({
      passed: false,
      score: 0,
      reason: 'contains none of: "email", "phone"',
    });
    expect(evaluateExpectation(any(['Phone'], true), 'phone').passed).toBe(false);
    expect(evaluateExpectation(any(['a']), '').reason).toContain('the reply is empty');
  });
});

describe('MUST_NOT_CONTAIN', () => {
  it('fails naming what was found; passes on an empty reply', () => {
    expect(evaluateExpectation(none(['guarantee', 'lawyer']), 'We GUARANTEE it')).toEqual({
      passed: false,
      score: 0,
      reason: 'found: "guarantee"',
    });
    expect(evaluateExpectation(none(['guarantee'], true), 'We GUARANTEE it').passed).toBe(true);
    expect(evaluateExpectation(none(['guarantee']), '')).toEqual({
      passed: true,
      score: 1,
      reason: 'contains none of: "guarantee"',
    });
    expect(evaluateExpectation(none(['STRASSE']), 'Straße').passed).toBe(false);
  });
});

describe('REGEX', () => {
  it('reports where it matched, case-insensitive unless asked', () => {
    expect(evaluateExpectation(regex('order #\\d+'), 'Your ORDER #1234 ships')).toEqual({
      passed: true,
      score: 1,
      reason: 'matched /order #\\d+/ at 5: "ORDER #1234"',
    });
    expect(evaluateExpectation(regex('order #\\d+', true), 'Your ORDER #1234').passed).toBe(false);
    expect(evaluateExpectation(regex('école'), "L'ÉCOLE").passed).toBe(true);
    expect(evaluateExpectation(regex('^\\d{5}$'), 'abc')).toEqual({
      passed: false,
      score: 0,
      reason: 'no match for /^\\d{5}$/',
    });
  });

  it('handles empty replies and matches decomposed accents', () => {
    expect(evaluateExpectation(regex('.+'), '').reason).toBe('no match for /.+/ (the reply is empty)');
    expect(evaluateExpectation(regex('^$'), '').passed).toBe(true);
    expect(evaluateExpectation(regex('café', true), 'cafe\u0301').passed).toBe(true);
  });

  it('runs a pattern that backtracks catastrophically elsewhere in linear time', () => {
    const started = Date.now();
    const verdict = evaluateExpectation(regex('(a+)+$'), `${'a'.repeat(30)}!`);
    expect(verdict.passed).toBe(false);
    const hostile = evaluateExpectation(regex('^(a|a)*$'), `${'a'.repeat(5000)}!`);
    expect(hostile.passed).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails (does not throw) on a missing or invalid pattern', () => {
    expect(evaluateExpectation(rule(ExpectationType.REGEX), 'x')).toMatchObject({
      passed: false,
      reason: /no pattern/,
    });
    expect(evaluateExpectation(regex('(a)\\1'), 'aa')).toMatchObject({ passed: false, reason: /does not compile/ });
  });
});

describe('SEMANTIC_ASSERT', () => {
  const semantic = rule(ExpectationType.SEMANTIC_ASSERT, { assertion: 'The reply is polite' });

  it('without a judge is not evaluated (passed null) and says it needs one', async () => {
    const expected = { passed: null, score: null, reason: expect.stringContaining('needs a model judge') };
    expect(evaluateExpectation(semantic, 'Thanks!')).toEqual(expected);
    expect(await evaluateExpectations([semantic], 'Thanks!')).toEqual([expected]);
  });

  it('asks the judge, clamps its score and keeps its reason', async () => {
    const judge = jest.fn<ReturnType<Judge>, Parameters<Judge>>().mockResolvedValue({
      pass: true,
      score: 1.7,
      reason: ' Courteous tone. ',
    });
    expect(await evaluateExpectations([semantic, contains(['thanks'])], 'Thanks!', judge)).toEqual([
      { passed: true, score: 1, reason: 'judge: Courteous tone.' },
      { passed: true, score: 1, reason: 'contains all of: "thanks"' },
    ]);
    expect(judge).toHaveBeenCalledWith({ assertion: 'The reply is polite', reply: 'Thanks!' });
    judge.mockResolvedValueOnce({ pass: false, score: Number.NaN, reason: '' });
    expect(await evaluateExpectations([semantic], 'Go away', judge)).toEqual([
      { passed: false, score: 0, reason: 'judge: no reason given' },
    ]);
  });

  it('propagates a judge that throws; a blank assertion fails without calling it', async () => {
    const judge: Judge = () => Promise.reject(new Error('provider down'));
    await expect(evaluateExpectations([semantic], 'x', judge)).rejects.toThrow('provider down');
    const blank = rule(ExpectationType.SEMANTIC_ASSERT, { assertion: ' ' });
    expect(await evaluateExpectations([blank], 'x', judge)).toEqual([
      { passed: false, score: 0, reason: 'The expectation has no assertion' },
    ]);
  });
});

describe('weightedScore', () => {
  const verdict = (passed: boolean | null): ExpectationVerdict => ({ passed, score: null, reason: '' });

  it('is the weighted share of passed expectations, leaving out those not evaluated', () => {
    const rules = [contains(['a']), contains(['b']), contains(['c'])].map((r, i) => ({ ...r, weight: [3, 1, 5][i]! }));
    expect(weightedScore(rules, [verdict(true), verdict(false), verdict(null)])).toBe(0.75);
    expect(weightedScore(rules, [verdict(true), verdict(true), verdict(true)])).toBe(1);
    expect(weightedScore(rules, [verdict(false), verdict(false), verdict(false)])).toBe(0);
  });

  it('is null when nothing counts, and refuses mismatched lists', () => {
    expect(weightedScore([], [])).toBeNull();
    expect(weightedScore([contains(['a'])], [verdict(null)])).toBeNull();
    expect(weightedScore([{ ...contains(['a']), weight: 0 }], [verdict(true)])).toBeNull();
    expect(() => weightedScore([contains(['a'])], [])).toThrow();
  });
});
