import type { ExpectationType } from '../../generated/prisma/enums';

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

/** Evaluates one deterministic expectation (every type but SEMANTIC_ASSERT) on a reply. */
export function evaluateExpectation(rule: ExpectationRule, reply: string): ExpectationVerdict {
  void rule;
  void reply;
  throw new Error('evaluateExpectation is not implemented yet');
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
  void rules;
  void reply;
  void judge;
  throw new Error('evaluateExpectations is not implemented yet');
}

/** Weighted share of passed expectations, 0..1 (null verdicts left out); null when none count. */
export function weightedScore(rules: ExpectationRule[], verdicts: ExpectationVerdict[]): number | null {
  void rules;
  void verdicts;
  throw new Error('weightedScore is not implemented yet');
}
