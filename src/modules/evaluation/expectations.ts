import { RE2JS } from 're2js';
import { ExpectationType } from '../../generated/prisma/enums';

// CONTRACT (issue 9): the scenarios helper implements this file (with unit tests beside it); the
// runs helper and POST /scenarios/{id}/evaluate call it. Signatures may gain optional fields only.

/** An expectation as evaluated (copied into ExpectationResult.rule with its type and weight). */
export interface ExpectationRule {
  type: ExpectationType;
  /** MUST_CONTAIN, MUST_CONTAIN_ANY, MUST_NOT_CONTAIN. */
  values: string[];
  /** REGEX (RE2 syntax, run with re2js: linear time). */
  pattern: string | null;
  /** SEMANTIC_ASSERT: what an LLM judge checks the reply against. */
  assertion: string | null;
  caseSensitive: boolean;
  weight: number;
}

export interface ExpectationVerdict {
  /** null: not evaluated (SEMANTIC_ASSERT without a judge). */
  passed: boolean | null;
  /** 0..1; 1/0 for the deterministic types, the judge's score for SEMANTIC_ASSERT. */
  score: number | null;
  /** Why, in words a person reads: "missing: refund", "matched /\d+/ at 12", the judge's reason. */
  reason: string;
}

/** An LLM judge for SEMANTIC_ASSERT; the runs module builds one from a provider key and model. */
export type Judge = (input: {
  assertion: string;
  reply: string;
}) => Promise<{ pass: boolean; score: number; reason: string }>;

/** Reasons quote values and patterns; a long one is cut so a reason stays readable. */
const QUOTE_LIMIT = 80;

/*
 * How text is compared (the same for the reply and the values):
 * - Both sides are NFC-normalised, so "é" typed as one code point or as "e" + combining accent
 *   is the same text, case-sensitive or not.
 * - Case-insensitive matching uses full Unicode case folding as JavaScript offers it:
 *   upper-case, then lower-case. So "STRASSE" matches "Straße" (ß upper-cases to SS), "ÉCOLE"
 *   matches "école", and Greek final sigma ς counts as σ. No locale rules (Turkish dotless ı
 *   stays its own letter) and no accent stripping: "ecole" does not match "école".
 * - A value that is empty after normalisation is no value: it is ignored (the API refuses them
 *   at save; "" would be contained in every reply).
 * - REGEX runs on the NFC reply with RE2 (re2js, linear time); caseSensitive false sets RE2's
 *   case-insensitive flag, which folds letter by letter (É/é, K/k/K) but not ß/SS.
 */
function normalise(text: string, caseSensitive: boolean): string {
  const nfc = text.normalize('NFC');
  return caseSensitive ? nfc : nfc.toUpperCase().toLowerCase().replace(/ς/g, 'σ').normalize('NFC');
}

function quote(text: string): string {
  const cut = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
  return JSON.stringify(cut);
}

function list(values: string[]): string {
  return values.map(quote).join(', ');
}

const pass = (reason: string): ExpectationVerdict => ({ passed: true, score: 1, reason });
const fail = (reason: string): ExpectationVerdict => ({ passed: false, score: 0, reason });

/** The rule's values (blank ones left out) and whether each occurs in the reply. */
function occurrences(rule: ExpectationRule, reply: string): { value: string; found: boolean }[] {
  const text = normalise(reply, rule.caseSensitive);
  return rule.values
    .filter((value) => normalise(value, rule.caseSensitive) !== '')
    .map((value) => ({ value, found: text.includes(normalise(value, rule.caseSensitive)) }));
}

function containsAll(rule: ExpectationRule, reply: string): ExpectationVerdict {
  const checked = occurrences(rule, reply);
  if (checked.length === 0) return fail('The expectation has no values to look for');
  const missing = checked.filter((c) => !c.found).map((c) => c.value);
  if (missing.length === 0) return pass(`contains all of: ${list(checked.map((c) => c.value))}`);
  return fail(`missing: ${list(missing)}${reply === '' ? ' (the reply is empty)' : ''}`);
}

function containsAny(rule: ExpectationRule, reply: string): ExpectationVerdict {
  const checked = occurrences(rule, reply);
  if (checked.length === 0) return fail('The expectation has no values to look for');
  const found = checked.filter((c) => c.found).map((c) => c.value);
  if (found.length > 0) return pass(`contains: ${list(found)}`);
  return fail(`contains none of: ${list(checked.map((c) => c.value))}${reply === '' ? ' (the reply is empty)' : ''}`);
}

function containsNone(rule: ExpectationRule, reply: string): ExpectationVerdict {
  const checked = occurrences(rule, reply);
  if (checked.length === 0) return fail('The expectation has no values to look for');
  const found = checked.filter((c) => c.found).map((c) => c.value);
  if (found.length === 0) return pass(`contains none of: ${list(checked.map((c) => c.value))}`);
  return fail(`found: ${list(found)}`);
}

function matchesPattern(rule: ExpectationRule, reply: string): ExpectationVerdict {
  if (!rule.pattern) return fail('The expectation has no pattern');
  const shown = `/${rule.pattern.length > QUOTE_LIMIT ? `${rule.pattern.slice(0, QUOTE_LIMIT)}…` : rule.pattern}/`;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(rule.pattern.normalize('NFC'), rule.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    // Patterns are checked at save; one that slipped through fails instead of breaking a run.
    return fail(`${shown} does not compile: ${(error as Error).message}`);
  }
  const matcher = compiled.matcher(reply.normalize('NFC'));
  if (!matcher.find()) return fail(`no match for ${shown}${reply === '' ? ' (the reply is empty)' : ''}`);
  return pass(`matched ${shown} at ${matcher.start()}: ${quote(matcher.group() ?? '')}`);
}

/** Evaluates one deterministic expectation (every type but SEMANTIC_ASSERT) on a reply. */
export function evaluateExpectation(rule: ExpectationRule, reply: string): ExpectationVerdict {
  switch (rule.type) {
    case ExpectationType.MUST_CONTAIN:
      return containsAll(rule, reply);
    case ExpectationType.MUST_CONTAIN_ANY:
      return containsAny(rule, reply);
    case ExpectationType.MUST_NOT_CONTAIN:
      return containsNone(rule, reply);
    case ExpectationType.REGEX:
      return matchesPattern(rule, reply);
    case ExpectationType.SEMANTIC_ASSERT:
      return {
        passed: null,
        score: null,
        reason: 'Not evaluated: SEMANTIC_ASSERT needs a model judge (a run with a judge evaluates it)',
      };
  }
}

/** A judge's answer made safe to store: a boolean verdict, a score in 0..1, a reason. */
async function judged(rule: ExpectationRule, reply: string, judge: Judge): Promise<ExpectationVerdict> {
  if (!rule.assertion?.trim()) return fail('The expectation has no assertion');
  const answer = await judge({ assertion: rule.assertion, reply });
  const passed = answer.pass === true;
  const score = Number.isFinite(answer.score) ? Math.min(1, Math.max(0, answer.score)) : passed ? 1 : 0;
  const reason = typeof answer.reason === 'string' && answer.reason.trim() ? answer.reason.trim() : 'no reason given';
  return { passed, score, reason: `judge: ${reason}` };
}

/**
 * Evaluates the expectations of one EXPECT turn on the last assistant reply, in order.
 * SEMANTIC_ASSERT goes to `judge`; without one its verdict is `passed: null`.
 * A judge that throws propagates (the run retries or records an error).
 */
export async function evaluateExpectations(
  rules: ExpectationRule[],
  reply: string,
  judge?: Judge,
): Promise<ExpectationVerdict[]> {
  const verdicts: ExpectationVerdict[] = [];
  // One judge call at a time: a run's concurrency is bounded by the runs module, not here.
  for (const rule of rules) {
    const semantic = rule.type === ExpectationType.SEMANTIC_ASSERT && judge;
    verdicts.push(semantic ? await judged(rule, reply, judge) : evaluateExpectation(rule, reply));
  }
  return verdicts;
}

/**
 * Weighted share of passed expectations, 0..1 (null verdicts left out); null when none count.
 * A passed expectation counts fully, a failed one not at all (the judge's score is reported per
 * expectation but does not make a partial pass). Weights that are not positive numbers count 0.
 */
export function weightedScore(rules: ExpectationRule[], verdicts: ExpectationVerdict[]): number | null {
  if (rules.length !== verdicts.length) throw new Error('weightedScore needs one verdict per rule');
  let total = 0;
  let earned = 0;
  rules.forEach((rule, i) => {
    const verdict = verdicts[i]!;
    const weight = Number.isFinite(rule.weight) && rule.weight > 0 ? rule.weight : 0;
    if (verdict.passed === null || weight === 0) return;
    total += weight;
    if (verdict.passed) earned += weight;
  });
  return total === 0 ? null : earned / total;
}
