import { ClsService } from 'nestjs-cls';
import { DbContext } from '../../src/database/db-context';
import { createTestApp, type TestApp } from '../support/test-app';

describe('DbContext (e2e)', () => {
  let t: TestApp;
  let db: DbContext;
  let cls: ClsService;

  beforeAll(async () => {
    t = await createTestApp();
    db = t.app.get(DbContext);
    cls = t.app.get(ClsService);
  });
  afterAll(() => t.close());

  it('runs after-commit effects only once the transaction has committed', async () => {
    const events: string[] = [];
    await cls.run(() =>
      db.run({}, async () => {
        db.afterCommit(() => events.push('mail sent'));
        events.push('work done');
      }),
    );
    expect(events).toEqual(['work done', 'mail sent']);
  });

  it('drops after-commit effects of a transaction that rolls back', async () => {
    const events: string[] = [];
    await expect(
      cls.run(() =>
        db.run({}, async () => {
          db.afterCommit(() => events.push('mail sent'));
          throw new Error('change refused');
        }),
      ),
    ).rejects.toThrow('change refused');
    expect(events).toEqual([]);
  });

  it('joins the open transaction and widens its scope', async () => {
    const settings = await cls.run(() =>
      db.run({ userId: '01900000-0000-7000-8000-000000000001' }, () =>
        db.run(
          { orgId: '01900000-0000-7000-8000-000000000002' },
          () =>
            db.client.$queryRaw<{ org: string; usr: string }[]>`
            SELECT current_setting('app.org_id', true) AS org, current_setting('app.user_id', true) AS usr`,
        ),
      ),
    );
    expect(settings).toEqual([
      { org: '01900000-0000-7000-8000-000000000002', usr: '01900000-0000-7000-8000-000000000001' },
    ]);
  });
});
