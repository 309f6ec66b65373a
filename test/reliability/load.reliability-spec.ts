import { createOrg, signUp, unique } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { printFigures } from './support/findings';
import { closeAgents, send } from './support/http-client';
import { LoadRecorder, runLoad, type LoadTarget } from './support/load';
import { HIGH_LIMITS_ENV, loadTarget, percentile, verifyAuditChain } from './support/load-target';
import { reconcile, reconciled, type Query } from './support/reconcile';

const CLIENTS = 50;
const DURATION_MS = Number(process.env.RELIABILITY_LOAD_MS ?? 12_000);

/**
 * Part 2: 50 concurrent clients create, update and delete variables, API keys and invitations
 * while others read; afterwards every accepted write is there with exactly one audit entry, the
 * rows present are those created minus those deleted, and the audit chain verifies.
 */
describe('load with reconciliation (reliability)', () => {
  let t: TestApp;
  let base: string;
  let target: LoadTarget;
  let query: Query;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...HIGH_LIMITS_ENV, DATABASE_POOL_MAX: '10' } });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    target = await loadTarget(t, base);
    query = (sql, params) => t.asOwner(async (db) => (await db.query(sql, params)).rows as Record<string, unknown>[]);
  });
  afterAll(async () => {
    closeAgents();
    await t?.close();
  });

  it(`${CLIENTS} clients writing three modules while others read: nothing lost, audit one for one, chain valid`, async () => {
    const recorder = new LoadRecorder();
    await runLoad(target, { clients: CLIENTS, durationMs: DURATION_MS }, recorder);

    const result = await reconcile(query, target.orgId, recorder.writes);
    const chain = await verifyAuditChain(target);
    const [{ total }] = (await query('SELECT count(*)::int AS total FROM audit_logs WHERE "orgId" = $1', [
      target.orgId,
    ])) as [{ total: number }];
    const all = recorder.all;
    const latencies = all.map((o) => o.ms);
    printFigures('load', {
      clients: CLIENTS,
      seconds: DURATION_MS / 1000,
      'requests sent': all.length,
      'req/s': Math.round(all.length / (DURATION_MS / 1000)),
      'p50 ms': percentile(latencies, 50),
      'p99 ms': percentile(latencies, 99),
      '5xx': all.filter((o) => o.status >= 500).length,
      statuses: LoadRecorder.byStatus(all),
      'writes reconciled': reconciled(result),
      'audit entries': `${result.auditEntries} (${result.perAction})`,
      rows: result.rows,
      'audit chain': `${chain.valid ? 'valid' : 'INVALID'}, ${chain.checked}/${total} checked`,
    });

    expect(
      all.filter((o) => o.status >= 500 || o.status === 0).map((o) => `${o.status || o.error} ${o.code ?? ''}`),
    ).toEqual([]);
    expect(result.violations).toEqual([]);
    expect(recorder.writes.filter((w) => w.status === 201).length).toBeGreaterThan(CLIENTS);
    expect(chain).toMatchObject({ valid: true, checked: total });
  });

  it('plan limits hold under parallel creates: the database decides, not a check-then-insert', async () => {
    const owner = await signUp(t);
    const org = await createOrg(t, owner, { tier: 'FREE' });
    const post = (url: string, body: object) =>
      send(base, {
        method: 'POST',
        url: `/v1/orgs/${org.id}/${url}`,
        headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const keys = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post('api-keys', { name: `k${i}`, scopes: ['variables:read'] })),
    );
    const invitations = await Promise.all(
      Array.from({ length: 12 }, () => post('invitations', { email: `race-${unique()}@example.test`, role: 'VIEWER' })),
    );
    const count = (answers: { status: number }[], status: number) => answers.filter((a) => a.status === status).length;
    printFigures('plan limits', {
      'API keys (FREE allows 2)': `${count(keys, 201)} × 201, ${count(keys, 403)} × 403`,
      'invitations (FREE allows 5 members, owner included)': `${count(invitations, 201)} × 201, ${count(invitations, 403)} × 403`,
    });
    expect(count(keys, 201)).toBe(2);
    expect(count(keys, 403)).toBe(8);
    expect(count(invitations, 201)).toBe(4);
    expect(count(invitations, 403)).toBe(8);
  });

  // Issue 14 point 5: parallel refreshes of one token (two tabs) used to log the user out.
  it('parallel refreshes of one token (two tabs) all succeed and leave a working session', async () => {
    const user = await signUp(t);
    const refresh = (refreshToken: string) =>
      send(base, {
        method: 'POST',
        url: '/v1/auth/refresh',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(user.refreshToken)));
    printFigures('parallel refresh', { statuses: answers.map((a) => a.status).join(' ') });
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const { accessToken, refreshToken } = answers[0]!.json as { accessToken: string; refreshToken: string };
    const me = await send(base, { method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect((await refresh(refreshToken)).status).toBe(200);
  });
});
