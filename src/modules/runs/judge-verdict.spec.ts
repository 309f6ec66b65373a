import { ModelCallError } from '../llm/model-gateway';
import { parseVerdict } from './judge-verdict';

describe('parseVerdict (the judge of SEMANTIC_ASSERT)', () => {
  it('reads the JSON object, also inside prose or a code fence', () => {
    expect(parseVerdict('{"pass": true, "score": 0.8, "reason": "polite"}')).toEqual({
      pass: true,
      score: 0.8,
      reason: 'polite',
    });
    expect(parseVerdict('Sure!\n```json\n{"pass": false, "score": 0.1, "reason": "rude"}\n```')).toEqual({
      pass: false,
      score: 0.1,
      reason: 'rude',
    });
  });

  it('accepts "passed" and string booleans, clamps the score, defaults what is missing', () => {
    expect(parseVerdict('{"passed": "TRUE"}')).toEqual({ pass: true, score: 1, reason: '' });
    expect(parseVerdict('{"pass": false, "score": "high"}')).toEqual({ pass: false, score: 0, reason: '' });
    expect(parseVerdict('{"pass": true, "score": 7}').score).toBe(1);
    expect(parseVerdict('{"pass": true, "score": -2}').score).toBe(0);
    expect(parseVerdict(`{"pass": true, "reason": "${'x'.repeat(5000)}"}`).reason).toHaveLength(1000);
  });

  it('refuses anything else as a retryable failure (the judge is asked again)', () => {
    for (const text of ['', 'yes', '{"score": 1}', '{pass: true}', '[true]', '{"pass": null}']) {
      let error: unknown;
      try {
        parseVerdict(text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ModelCallError);
      expect((error as ModelCallError).retryable).toBe(true);
    }
  });
});
