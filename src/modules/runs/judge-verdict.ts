import { ModelCallError } from '../llm/model-gateway';

/** What the judge model is told: answer JSON only. */
export const JUDGE_SYSTEM = [
  'You are a strict evaluator. You get an ASSERTION and a REPLY of an assistant.',
  'Decide whether the REPLY satisfies the ASSERTION.',
  'Answer with one JSON object only, no other text: {"pass": true|false, "score": <0..1>, "reason": "<one sentence>"}',
].join('\n');

/** The judge's answer: the first JSON object in its text; anything unreadable is tried again. */
export function parseVerdict(text: string): { pass: boolean; score: number; reason: string } {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  let parsed: unknown;
  try {
    parsed = start >= 0 && end > start ? JSON.parse(text.slice(start, end + 1)) : undefined;
  } catch {
    parsed = undefined;
  }
  const object = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  const pass = object?.pass ?? object?.passed;
  const verdict = typeof pass === 'string' ? pass.toLowerCase() === 'true' : pass;
  if (typeof verdict !== 'boolean') throw new ModelCallError('The judge did not answer {"pass": …} JSON', true);
  const score = typeof object!.score === 'number' && Number.isFinite(object!.score) ? object!.score : verdict ? 1 : 0;
  const reason = typeof object!.reason === 'string' ? object!.reason.slice(0, 1000) : '';
  return { pass: verdict, score: Math.min(1, Math.max(0, score)), reason };
}
