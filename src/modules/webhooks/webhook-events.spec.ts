import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isEventPattern, patternsMatching, WEBHOOK_EVENTS } from './webhook-events';

/** The non-test sources of the feature modules. */
function sources(dir = join(__dirname, '..')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

describe('webhook events', () => {
  const text = sources().join('\n');

  it('lists every action the modules record (literal actions and audited-write resources)', () => {
    const literal = [...text.matchAll(/action: '([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1]!);
    const userEvents = [...text.matchAll(/'((?:user|auth)\.[a-z_]+)'/g)].map((m) => m[1]!);
    const known = new Set<string>(WEBHOOK_EVENTS);
    expect(literal.length).toBeGreaterThan(40);
    expect([...literal, ...userEvents].filter((action) => !known.has(action))).toEqual([]);
    const resources = [...text.matchAll(/audited\.(?:create|update|delete)(?:<[^>]*>)?\(\s*'([a-z_]+)'/g)];
    expect(resources.length).toBeGreaterThan(20);
    for (const [, resource] of resources) expect(isEventPattern(`${resource}.*`)).toBe(true);
  });

  it('accepts known events, <resource>.* of a known resource and *; nothing else', () => {
    for (const pattern of ['variable.created', 'run.finished', 'prompt.*', '*'])
      expect(isEventPattern(pattern)).toBe(true);
    for (const pattern of ['variable.exploded', 'nothing.*', '*.created', 'prompt.', '', 'prompt.**'])
      expect(isEventPattern(pattern)).toBe(false);
  });

  it('an action matches itself, its resource wildcard and *', () => {
    expect(patternsMatching('prompt.updated')).toEqual(['prompt.updated', 'prompt.*', '*']);
  });
});
