import { AppException } from '../errors/app-exception';
import { encodeCursor, keyset, paginate, TIME_CURSOR, type PageQueryDto } from './pagination';

const ID = '01900000-0000-7000-8000-000000000001';
const AT = new Date('2026-01-02T03:04:05.678Z');

describe('keyset', () => {
  it('orders by the cursor fields and filters nothing on the first page', () => {
    expect(keyset(TIME_CURSOR, 'desc', undefined)).toEqual({
      where: {},
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
  });

  it('asks for (k, id) after the cursor, ascending, with a range the index can start from', () => {
    expect(keyset({ key: 'string', id: 'uuid' }, 'asc', { key: 'b', id: ID }).where).toEqual({
      key: { gte: 'b' },
      OR: [{ key: { gt: 'b' } }, { key: 'b', id: { gt: ID } }],
    });
  });

  it('descending turns every comparison around', () => {
    expect(keyset(TIME_CURSOR, 'desc', { createdAt: AT, id: ID }).where).toEqual({
      createdAt: { lte: AT },
      OR: [{ createdAt: { lt: AT } }, { createdAt: AT, id: { lt: ID } }],
    });
  });

  it('a single unique field needs no tiebreak', () => {
    expect(keyset({ seq: 'bigint' }, 'desc', { seq: 7n })).toEqual({
      where: { seq: { lt: 7n } },
      orderBy: [{ seq: 'desc' }],
    });
  });
});

describe('paginate', () => {
  const rows = [1, 2, 3].map((n) => ({ key: `k${n}`, id: ID, extra: n }));
  const query = (cursor?: string): PageQueryDto => ({ limit: 2, cursor });

  it('fetches one row more than the limit, passes the decoded cursor, and pages on the cursor fields', async () => {
    const fetch = jest.fn(async (_page: unknown) => rows);
    const cursor = encodeCursor({ key: 'k0', id: ID });
    const page = await paginate(query(cursor), { key: 'string', id: 'uuid' }, fetch, (row) => row.extra);
    expect(fetch).toHaveBeenCalledWith({ take: 3, after: { key: 'k0', id: ID } });
    expect(page).toEqual({ data: [1, 2], nextCursor: encodeCursor({ key: 'k2', id: ID }) });
  });

  it('has no next page when the extra row is missing', async () => {
    const page = await paginate(
      query(),
      TIME_CURSOR,
      async () => [],
      (row) => row,
    );
    expect(page).toEqual({ data: [], nextCursor: null });
  });

  it('answers a cursor of another shape with 400 before fetching', async () => {
    const fetch = jest.fn();
    const error = await paginate(query(encodeCursor({ key: 'k' })), { key: 'string', id: 'uuid' }, fetch, String).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppException);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(fetch).not.toHaveBeenCalled();
  });
});
