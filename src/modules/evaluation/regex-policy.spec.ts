import { MAX_PATTERN_LENGTH, regexProblem } from './regex-policy';

describe('regexProblem', () => {
  it('accepts patterns RE2 and JavaScript both read and that do not backtrack badly', () => {
    for (const pattern of ['order #\\d+', '^[A-Z]{2}-\\d{4}$', '\\p{L}+', 'refund|return', '(?:yes|no)\\.']) {
      expect(regexProblem(pattern)).toBeNull();
    }
  });

  it('refuses empty and overlong patterns', () => {
    expect(regexProblem('')).toBe('The pattern is empty');
    expect(regexProblem('a'.repeat(MAX_PATTERN_LENGTH))).toBeNull();
    expect(regexProblem('a'.repeat(MAX_PATTERN_LENGTH + 1))).toMatch(/longer than 500/);
  });

  it('names unsupported RE2 syntax: backreferences, lookaround, broken patterns', () => {
    expect(regexProblem('(a)\\1')).toMatch(/^Backreferences .* not supported/);
    expect(regexProblem('(?<x>a)\\k<x>')).toMatch(/^Backreferences/);
    expect(regexProblem('a(?=b)')).toMatch(/^Lookahead and lookbehind/);
    expect(regexProblem('(?<!a)b')).toMatch(/^Lookahead and lookbehind/);
    expect(regexProblem('[abc')).toMatch(/^The pattern is not valid RE2 syntax: .*missing closing \]/);
  });

  it('refuses RE2-only syntax a JavaScript client could not run', () => {
    expect(regexProblem('(?i)abc')).toMatch(
      /not a JavaScript regular expression \(for \(\?i\) use caseSensitive: false\)/,
    );
    expect(regexProblem('(?P<word>\\w+)')).toMatch(/not a JavaScript regular expression/);
  });

  it('refuses patterns that backtrack catastrophically in a JavaScript engine', () => {
    expect(regexProblem('(a+)+$')).toMatch(/backtrack catastrophically/);
    expect(regexProblem('(x+x+)+y')).toMatch(/backtrack catastrophically/);
  });
});
