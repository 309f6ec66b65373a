import { redact } from './audit-chain';

describe('redact (what enters the audit chain)', () => {
  it('replaces secrets and leaves email addresses out, at any depth', () => {
    const image = {
      userId: 'u1',
      email: 'ada@example.com',
      role: 'EDITOR',
      passwordHash: '$2b$...',
      invitations: [{ id: 'i1', Email: 'grace@example.com', tokenHash: 'abc' }],
      nested: { encryptedKey: 'v1:...', emailVerified: true },
    };
    expect(redact(image)).toEqual({
      userId: 'u1',
      role: 'EDITOR',
      passwordHash: '[REDACTED]',
      invitations: [{ id: 'i1', tokenHash: '[REDACTED]' }],
      nested: { encryptedKey: '[REDACTED]', emailVerified: true },
    });
  });

  it('keeps nulls and turns undefined and dates into plain JSON', () => {
    expect(redact(undefined)).toBeNull();
    expect(redact({ secret: null, at: new Date('2026-01-01T00:00:00Z') })).toEqual({
      secret: null,
      at: '2026-01-01T00:00:00.000Z',
    });
  });
});
