import type { AuditEvent, AuditService } from './audit.service';
import { AuditedWrites } from './audited-writes';

describe('AuditedWrites', () => {
  let events: AuditEvent[];
  let writes: AuditedWrites;
  const row = (value: string) => ({ id: 'r1', value, passwordHash: 'x' });

  beforeEach(() => {
    events = [];
    writes = new AuditedWrites({ record: async (event: AuditEvent) => events.push(event) } as unknown as AuditService);
  });

  it('records a create with the inserted row as after', async () => {
    expect(await writes.create('thing', async () => row('a'))).toEqual(row('a'));
    expect(events).toEqual([
      { action: 'thing.created', resourceType: 'thing', resourceId: 'r1', before: undefined, after: row('a') },
    ]);
  });

  it('records an update with the locked row as before and the written row as after', async () => {
    const write = jest.fn(async () => row('new'));
    await writes.update('thing', async () => row('old'), write, { action: 'thing.renamed' });
    expect(write).toHaveBeenCalledWith(row('old'));
    expect(events).toEqual([
      { action: 'thing.renamed', resourceType: 'thing', resourceId: 'r1', before: row('old'), after: row('new') },
    ]);
  });

  it('records a delete with before only, through the view when given', async () => {
    const deleted = await writes.delete(
      'thing',
      async () => row('gone'),
      async () => undefined,
      {
        view: ({ value }) => ({ value }),
      },
    );
    expect(deleted).toEqual(row('gone'));
    expect(events).toEqual([
      { action: 'thing.deleted', resourceType: 'thing', resourceId: 'r1', before: { value: 'gone' }, after: undefined },
    ]);
  });

  it('writes and records nothing when there is no row', async () => {
    const write = jest.fn();
    expect(await writes.update('thing', async () => null, write)).toBeNull();
    expect(await writes.delete('thing', async () => null, write)).toBeNull();
    expect(write).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });

  it('records nothing when the write fails', async () => {
    const failing = async () => {
      throw new Error('duplicate');
    };
    await expect(writes.create('thing', failing)).rejects.toThrow('duplicate');
    await expect(writes.update('thing', async () => row('old'), failing)).rejects.toThrow('duplicate');
    await expect(writes.delete('thing', async () => row('old'), failing)).rejects.toThrow('duplicate');
    expect(events).toEqual([]);
  });
});
