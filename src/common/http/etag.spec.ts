import { matchVersion, parseIfMatch } from './etag';

describe('parseIfMatch', () => {
  it('reads *, one ETag or a list; weak tags never match', () => {
    expect(parseIfMatch('*')).toBe('*');
    expect(parseIfMatch('"3"')).toEqual([3]);
    expect(parseIfMatch(' "3" , W/"4", "5"')).toEqual([3, 5]);
    expect(parseIfMatch(['"1"', '"2"'])).toEqual([1, 2]);
  });

  it('is 428 PRECONDITION_REQUIRED when missing or empty', () => {
    for (const header of [undefined, '', '  ']) {
      expect(() => parseIfMatch(header)).toThrow(
        expect.objectContaining({ status: 428, code: 'PRECONDITION_REQUIRED' }),
      );
    }
  });

  it('is 400 VALIDATION_FAILED when malformed', () => {
    for (const header of ['3', '"x"', '"1",', '*, "1"', '"12345678901"', 'W/3']) {
      expect(() => parseIfMatch(header)).toThrow(expect.objectContaining({ status: 400, code: 'VALIDATION_FAILED' }));
    }
  });
});

describe('matchVersion', () => {
  it('gives back the current version when If-Match allows it', () => {
    expect(matchVersion(4, '*')).toBe(4);
    expect(matchVersion(4, [2, 4])).toBe(4);
  });

  it('is 412 VERSION_CONFLICT otherwise', () => {
    expect(() => matchVersion(4, [3])).toThrow(expect.objectContaining({ status: 412, code: 'VERSION_CONFLICT' }));
    expect(() => matchVersion(4, [])).toThrow(expect.objectContaining({ status: 412 }));
  });
});
