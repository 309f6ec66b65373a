import { AppException, type FieldError } from '../../common/errors/app-exception';
import { ExpectationType, ScenarioTurnType } from '../../generated/prisma/enums';
import {
  evaluateExpectation,
  weightedScore,
  type ExpectationRule,
  type ExpectationVerdict,
} from '../evaluation/expectations';
import { regexProblem } from '../evaluation/regex-policy';
import { LIMITS, type ExpectationDto, type ScenarioEvaluationResponseDto, type TurnDto } from './dto/scenario.dto';
import type { ExpectationData, TurnData } from './scenarios.repository';

const VALUE_TYPES: ExpectationType[] = [
  ExpectationType.MUST_CONTAIN,
  ExpectationType.MUST_CONTAIN_ANY,
  ExpectationType.MUST_NOT_CONTAIN,
];

const blank = (text: string | null | undefined) => !text?.trim();

/**
 * The turns of a save, checked beyond their DTO shape and brought to their stored form: a USER
 * turn has text and no expectations; an EXPECT turn follows a USER turn (it checks the reply to
 * it), has at least one expectation and no text; each expectation carries exactly the field its
 * type uses (an empty `values`/null `pattern` counts as absent, so a read turn can be sent back);
 * REGEX patterns pass the regex policy. 400 VALIDATION_FAILED names every problem by path
 * (`turns.2.expectations.0.pattern`).
 */
export function checkTurns(turns: TurnDto[]): TurnData[] {
  const errors: FieldError[] = [];
  const problem = (field: string, message: string) => errors.push({ field, messages: [message] });
  let seenUser = false;
  turns.forEach((turn, i) => {
    const at = `turns.${i}`;
    const expectations = turn.expectations ?? [];
    if (turn.type === ScenarioTurnType.USER) {
      seenUser = true;
      if (blank(turn.text)) problem(`${at}.text`, 'a USER turn needs text');
      if (expectations.length > 0) problem(`${at}.expectations`, 'a USER turn has no expectations');
      return;
    }
    if (!seenUser) problem(`${at}.type`, 'an EXPECT turn needs a USER turn before it (it checks the reply to it)');
    if (!blank(turn.text)) problem(`${at}.text`, 'an EXPECT turn has no text');
    if (expectations.length === 0) problem(`${at}.expectations`, 'an EXPECT turn needs at least one expectation');
    expectations.forEach((e, j) => checkExpectation(e, `${at}.expectations.${j}`, problem));
  });
  const total = turns.reduce((sum, turn) => sum + (turn.expectations?.length ?? 0), 0);
  if (total > LIMITS.expectations)
    problem('turns', `a scenario has at most ${LIMITS.expectations} expectations (this one has ${total})`);
  if (errors.length > 0) throw new AppException('VALIDATION_FAILED', 'The turns are not valid', errors);
  return turns.map((turn) => ({
    type: turn.type,
    text: turn.type === ScenarioTurnType.USER ? turn.text! : null,
    expectations: (turn.expectations ?? []).map(storedExpectation),
  }));
}

function checkExpectation(e: ExpectationDto, at: string, problem: (field: string, message: string) => void): void {
  const values = e.values ?? [];
  const uses = {
    values: VALUE_TYPES.includes(e.type),
    pattern: e.type === ExpectationType.REGEX,
    assertion: e.type === ExpectationType.SEMANTIC_ASSERT,
  };
  const present = { values: values.length > 0, pattern: !!e.pattern, assertion: !!e.assertion };
  for (const field of ['values', 'pattern', 'assertion'] as const) {
    if (uses[field] && !present[field]) problem(`${at}.${field}`, `${e.type} needs ${field}`);
    if (!uses[field] && present[field]) problem(`${at}.${field}`, `${e.type} does not use ${field}`);
  }
  if (uses.values && values.some((value) => blank(value)))
    problem(`${at}.values`, 'values must not be blank (a blank value is in every reply)');
  if (uses.assertion && present.assertion && blank(e.assertion)) problem(`${at}.assertion`, 'assertion is blank');
  if (uses.pattern && e.pattern) {
    const reason = regexProblem(e.pattern, e.caseSensitive ?? false);
    if (reason) problem(`${at}.pattern`, reason);
  }
}

function storedExpectation(e: ExpectationDto): ExpectationData {
  return {
    type: e.type,
    values: VALUE_TYPES.includes(e.type) ? e.values! : [],
    pattern: e.type === ExpectationType.REGEX ? e.pattern! : null,
    assertion: e.type === ExpectationType.SEMANTIC_ASSERT ? e.assertion! : null,
    caseSensitive: e.caseSensitive ?? false,
    weight: e.weight ?? 1,
  };
}

/**
 * Evaluates client-made replies against the scenario's EXPECT turns, with no model call: reply i
 * answers the i-th USER turn, and each EXPECT turn is evaluated on the last reply before it.
 * SEMANTIC_ASSERT is left unevaluated (passed null). 400 when the reply count is not the USER
 * turn count.
 */
export function evaluateTurns(
  scenario: { id: string; version: number; turns: TurnData[] },
  replies: string[],
): ScenarioEvaluationResponseDto {
  const users = scenario.turns.filter((turn) => turn.type === ScenarioTurnType.USER).length;
  if (replies.length !== users)
    throw new AppException(
      'VALIDATION_FAILED',
      `The scenario has ${users} USER turn(s): send exactly one reply for each (got ${replies.length})`,
      [{ field: 'replies', messages: [`replies must have ${users} item(s), one per USER turn`] }],
    );
  const rules: ExpectationRule[] = [];
  const verdicts: ExpectationVerdict[] = [];
  const turns: ScenarioEvaluationResponseDto['turns'] = [];
  let replyIndex = -1;
  scenario.turns.forEach((turn, turnIndex) => {
    if (turn.type === ScenarioTurnType.USER) {
      replyIndex += 1;
      return;
    }
    const reply = replies[replyIndex]!;
    const results = turn.expectations.map((rule) => {
      const verdict = evaluateExpectation(rule, reply);
      rules.push(rule);
      verdicts.push(verdict);
      return { type: rule.type, ...verdict, weight: rule.weight };
    });
    turns.push({ turnIndex, replyIndex, expectations: results });
  });
  const passed = verdicts.filter((v) => v.passed === true).length;
  const failed = verdicts.filter((v) => v.passed === false).length;
  return {
    scenarioId: scenario.id,
    version: scenario.version,
    passed: failed > 0 ? false : passed > 0 ? true : null,
    score: weightedScore(rules, verdicts),
    totals: { expectations: verdicts.length, passed, failed, notEvaluated: verdicts.length - passed - failed },
    turns,
  };
}
