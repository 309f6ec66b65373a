import type { AuditLogResponseDto } from './dto/audit-log.dto';
import { toCsvLine } from './audit-logs.service';

const entry = (overrides: Partial<AuditLogResponseDto>): AuditLogResponseDto => ({
  id: '0195f2a0-0000-7000-8000-000000000001',
  seq: '1',
  actorType: 'USER',
  actorId: null,
  action: 'variable.created',
  resourceType: 'variable',
  resourceId: null,
  before: null,
  after: null,
  ip: null,
  userAgent: null,
  requestId: null,
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  hash: 'h',
  prevHash: null,
  ...overrides,
});

describe('audit CSV lines', () => {
  it('quotes commas, quotes and newlines', () => {
    const line = toCsvLine(entry({ userAgent: 'a "b", c\nd' }));
    expect(line).toContain('"a ""b"", c\nd"');
    expect(line.endsWith('\r\n')).toBe(true);
  });

  it('keeps values that spreadsheets would evaluate as text', () => {
    const line = toCsvLine(entry({ userAgent: '=HYPERLINK("http://x")', requestId: '+1', resourceId: '@cmd' }));
    expect(line).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(line).toContain(",'+1");
    expect(line).toContain(",'@cmd");
  });

  it('writes dates as ISO 8601 and JSON as JSON', () => {
    const line = toCsvLine(entry({ after: { key: 'k' } }));
    expect(line).toContain('2026-01-02T03:04:05.000Z');
    expect(line).toContain('"{""key"":""k""}"');
  });
});
