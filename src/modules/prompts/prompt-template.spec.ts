import { fill, parseChat, placeholders } from './prompt-template';

describe('prompt templates', () => {
  it('finds each placeholder once, in order, with spaces inside the braces', () => {
    expect(placeholders('Hi {{ name }}, {{company_name}} says {{name}} {{ bad name }} {x}')).toEqual([
      'name',
      'company_name',
    ]);
    expect(placeholders('none here')).toEqual([]);
  });

  it('fills placeholders literally (no $ patterns) and leaves unknown ones', () => {
    const values = new Map([
      ['a', '$& $1 $$'],
      ['b', 'B'],
    ]);
    expect(fill('{{a}}|{{ b }}|{{c}}', values)).toBe('$& $1 $$|B|{{c}}');
  });

  it('parses CHAT content and says what is wrong with a bad one', () => {
    expect(parseChat('[{"role":"system","content":"You help {{who}}"}]')).toEqual([
      { role: 'system', content: 'You help {{who}}' },
    ]);
    expect(parseChat('not json')).toMatch(/JSON array/);
    expect(parseChat('[]')).toMatch(/non-empty/);
    expect(parseChat('[{"role":"tool","content":"x"}]')).toMatch(/role/);
    expect(parseChat('[{"role":"user","content":1}]')).toMatch(/content must be a string/);
    expect(parseChat('[{"role":"user","content":"x","extra":1}]')).toMatch(/role and content only/);
    expect(parseChat('[null]')).toMatch(/object/);
  });
});
