import { AppException } from '../../common/errors/app-exception';
import { assertInputMatches, toAgentConfig } from './agent-input';
import { outputOf } from './executions.runner';

const SCHEMA = {
  $id: 'https://example.test/input',
  type: 'object',
  required: ['company'],
  properties: { company: { type: 'string' }, size: { type: 'integer', minimum: 1 } },
};

function thrown(run: () => void): AppException {
  try {
    run();
  } catch (error) {
    return error as AppException;
  }
  throw new Error('nothing thrown');
}

describe('agent input', () => {
  it('accepts input that satisfies the schema, and anything without a schema', () => {
    expect(() => assertInputMatches(SCHEMA, { company: 'Acme', size: 3 })).not.toThrow();
    // The same $id compiles again on the next execution.
    expect(() => assertInputMatches(SCHEMA, { company: 'Acme' })).not.toThrow();
    expect(() => assertInputMatches(undefined, { anything: 1 })).not.toThrow();
  });

  it('names each failing path, a missing property at its own path', () => {
    const error = thrown(() => assertInputMatches(SCHEMA, { size: 0 }));
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.errors).toEqual([
      { field: '/company', messages: ["must have required property 'company'"] },
      { field: '/size', messages: ['must be >= 1'] },
    ]);
    expect(thrown(() => assertInputMatches({ type: 'array' }, {})).errors).toEqual([
      { field: '/', messages: ['must be array'] },
    ]);
  });

  it('stores the config without absent optionals, and names config.inputSchema when it does not compile', () => {
    const base = { model: 'm', providerKeyId: 'ABC', systemPrompt: 's' };
    expect(toAgentConfig({ ...base, inputSchema: null, temperature: null })).toEqual({ ...base, providerKeyId: 'abc' });
    expect(toAgentConfig({ ...base, temperature: 0 })).toEqual({ ...base, providerKeyId: 'abc', temperature: 0 });
    const error = thrown(() => toAgentConfig({ ...base, inputSchema: { type: 'banana' } }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors?.[0]?.field).toBe('config.inputSchema');
  });
});

describe('execution output', () => {
  it('keeps a JSON object or array reply as JSON (fenced or not), anything else as {text}', () => {
    expect(outputOf('{"a": 1}')).toEqual({ a: 1 });
    expect(outputOf('```json\n[1, 2]\n```')).toEqual([1, 2]);
    expect(outputOf('42')).toEqual({ text: '42' });
    expect(outputOf('Hello')).toEqual({ text: 'Hello' });
    expect(outputOf('{broken')).toEqual({ text: '{broken' });
  });
});
