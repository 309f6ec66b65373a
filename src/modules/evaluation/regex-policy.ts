import { RE2JS } from 're2js';
import safeRegex from 'safe-regex2';

/** Longest REGEX pattern accepted at save. */
export const MAX_PATTERN_LENGTH = 500;

/**
 * Why a REGEX expectation's pattern is refused at save, or null when it is accepted. A pattern
 * must:
 * - be at most MAX_PATTERN_LENGTH characters and not empty;
 * - compile under RE2 (re2js), which runs it in linear time: no backreferences, no lookaround;
 * - compile as a JavaScript RegExp with the `u` flag, so a client can run the same pattern in its
 *   own engine and mean the same thing (RE2's `(?i)` or `(?P<name>)` are not JavaScript; use
 *   caseSensitive: false instead of `(?i)`);
 * - not be flagged by safe-regex2 (nested quantifiers such as `(a+)+`, or more than 25
 *   repetitions), which would backtrack catastrophically in such a client's engine. safe-regex2
 *   is a heuristic: it misses some slow patterns (`(a|a)*`), which RE2 still runs in linear time.
 */
export function regexProblem(pattern: string, caseSensitive = false): string | null {
  if (pattern.length === 0) return 'The pattern is empty';
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `The pattern is longer than ${MAX_PATTERN_LENGTH} characters (${pattern.length})`;
  try {
    RE2JS.compile(pattern, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    return `${unsupportedHint(pattern) ?? 'The pattern is not valid RE2 syntax'}: ${(error as Error).message}`;
  }
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    const inlineFlags = /\(\?[a-zA-Z]+[:)]/.test(pattern) ? ' (for (?i) use caseSensitive: false)' : '';
    return `The pattern is valid RE2 but not a JavaScript regular expression${inlineFlags}: ${(error as Error).message}`;
  }
  if (!safeRegex(pattern))
    return (
      'The pattern could backtrack catastrophically in a backtracking engine such as JavaScript ' +
      '(nested quantifiers like (a+)+, or more than 25 repetitions): simplify it'
    );
  return null;
}

/** What RE2 leaves out on purpose (it would cost its linear-time guarantee), named for the user. */
function unsupportedHint(pattern: string): string | null {
  if (/\\[1-9]|\\k</.test(pattern)) return 'Backreferences (\\1, \\k<name>) are not supported (RE2 syntax)';
  if (/\(\?<?[=!]/.test(pattern))
    return 'Lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported (RE2 syntax)';
  return null;
}
