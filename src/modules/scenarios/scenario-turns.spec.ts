import { DEMO_SCENARIOS } from '../../database/demo-seed';
import { checkTurns, evaluateTurns } from './scenario-turns';

describe('scenario turns', () => {
  it('the demo scenarios pass the rules the API applies at save, unchanged', () => {
    for (const scenario of DEMO_SCENARIOS) expect(checkTurns(scenario.turns)).toEqual(scenario.turns);
  });

  it('evaluates the German demo scenario with Unicode case folding', () => {
    const german = DEMO_SCENARIOS.find((s) => s.locale === 'de')!;
    const result = evaluateTurns({ id: 'x', version: 1, turns: german.turns }, ['HAUPTSTRASSE 5, Berlin']);
    expect(result).toMatchObject({ passed: true, score: 1, totals: { expectations: 2, passed: 2 } });
  });
});
