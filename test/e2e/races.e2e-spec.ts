import { Client } from 'pg';
import type { Response, Test } from 'supertest';
import { sha256 } from '../../src/common/crypto/tokens';
import { createOrg, memberOf, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

/**
 * Concurrency rules hold under races, decided by the database (locks, a partial unique index,
 * conditional updates), never by a check-then-write. Real PostgreSQL: the embedded database has
 * one connection, so nothing runs concurrently there.
 *
 * Where a race must really happen, the test holds the lock the requests need in a session of its
 * own until all of them are in flight and waiting for it (pg_stat_activity), then lets go: every
 * request has passed its guards and checks by then, as in the worst interleaving.
 */
onPostgres('races (e2e, PostgreSQL)', () => {
  let t: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    // More connections than the default test pool, so that the parallel requests really overlap.
    t = await createTestApp({ env: { DATABASE_POOL_MAX: '12' } });
    owner = await signUp(t);
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[]) =>
    (await t.asOwner((db) => db.query<{ n: number }>(sql, params))).rows[0]!.n;
  const statuses = (responses: Response[]) => responses.map((res) => res.status).sort();

  /** Runs `requests` while `lockSql` is held, releasing it once `waiting` of them wait on a lock. */
  async function whileLocked(lockSql: string, params: unknown[], requests: Test[], waiting = requests.length) {
    const holder = new Client({ connectionString: t.config.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(lockSql, params);
      const responses = Promise.all(requests.map((request) => request.then((res) => res)));
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { rows } = await holder.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        if (rows[0]!.n >= waiting) break;
        if (Date.now() > deadline) throw new Error(`only ${rows[0]!.n} of ${waiting} requests waited on the lock`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.query('COMMIT');
      return await responses;
    } finally {
      await holder.end();
    }
  }

  const ownerRowsLock = `SELECT 1 FROM memberships WHERE "orgId" = $1 AND role = 'OWNER' FOR UPDATE`;
  const membersLimitLock = `SELECT pg_advisory_xact_lock(hashtextextended($1 || ':members', 0))`;
  const owners = (orgId: string) =>
    count(`SELECT count(*)::int AS n FROM memberships WHERE "orgId" = $1 AND role = 'OWNER' AND status = 'ACTIVE'`, [
      orgId,
    ]);

  describe('plan limits', () => {
    it('10 parallel API-key creates on a FREE org: exactly 2 succeed', async () => {
      const org = await createOrg(t, owner);
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t
            .http()
            .post(`/v1/orgs/${org.id}/api-keys`)
            .set(owner.auth)
            .send({ name: `key ${i}`, scopes: ['variables:read'] }),
        ),
      );
      expect(statuses(responses)).toEqual([201, 201, ...Array(8).fill(403)]);
      expect(responses.filter((res) => res.status === 403).map((res) => res.body.code)).toEqual(
        Array(8).fill('PLAN_LIMIT_REACHED'),
      );
      expect(await count('SELECT count(*)::int AS n FROM service_api_keys WHERE "orgId" = $1', [org.id])).toBe(2);
    });

    it('12 parallel invitations on a FREE org (5 seats, the owner holds one): exactly 4 succeed', async () => {
      const org = await createOrg(t, owner);
      const responses = await Promise.all(
        Array.from({ length: 12 }, () =>
          t
            .http()
            .post(`/v1/orgs/${org.id}/invitations`)
            .set(owner.auth)
            .send({ email: `${unique()}@example.test`, role: 'VIEWER' }),
        ),
      );
      expect(statuses(responses)).toEqual([201, 201, 201, 201, ...Array(8).fill(403)]);
      expect(await count(`SELECT count(*)::int AS n FROM invitations WHERE "orgId" = $1`, [org.id])).toBe(4);
    });
  });

  describe('invitations', () => {
    it('two simultaneous invitations to one email: one 201, one 409 DUPLICATE, one pending invitation', async () => {
      const org = await createOrg(t, owner, { tier: 'PRO' });
      const email = `${unique()}@example.test`;
      const invite = (role: string) =>
        t.http().post(`/v1/orgs/${org.id}/invitations`).set(owner.auth).send({ email, role });
      const responses = await whileLocked(membersLimitLock, [org.id], [invite('VIEWER'), invite('EDITOR')]);
      expect(statuses(responses)).toEqual([201, 409]);
      expect(responses.find((res) => res.status === 409)!.body).toMatchObject({
        code: 'DUPLICATE',
        detail: expect.stringContaining('pending invitation'),
      });
      expect(
        await count(`SELECT count(*)::int AS n FROM invitations WHERE "orgId" = $1 AND email = $2`, [org.id, email]),
      ).toBe(1);
    });

    it('the database itself refuses a second pending invitation per org and email (any case), not answered ones', async () => {
      const org = await createOrg(t, owner);
      const email = `${unique()}@example.test`;
      const insert = (address: string, status: string) =>
        t.asOwner((db) =>
          db.query(
            `INSERT INTO invitations (id, "orgId", email, status, "tokenHash", "expiresAt", "updatedAt")
             VALUES (gen_random_uuid(), $1, $2, $3::"InvitationStatus", $4, now() + interval '1 day', now())`,
            [org.id, address, status, unique() + unique()],
          ),
        );
      await insert(email, 'ACCEPTED');
      await insert(email, 'REVOKED');
      await insert(email, 'PENDING');
      await expect(insert(email.toUpperCase(), 'PENDING')).rejects.toThrow(/invitations_orgId_pending_email_key/);
    });

    it('an expired pending invitation is revoked (and audited) when the email is invited again', async () => {
      const org = await createOrg(t, owner);
      const email = `${unique()}@example.test`;
      const first = await t
        .http()
        .post(`/v1/orgs/${org.id}/invitations`)
        .set(owner.auth)
        .send({ email, role: 'VIEWER' })
        .expect(201);
      await t.asOwner((db) =>
        db.query(`UPDATE invitations SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [first.body.id]),
      );
      const second = await t
        .http()
        .post(`/v1/orgs/${org.id}/invitations`)
        .set(owner.auth)
        .send({ email, role: 'EDITOR' })
        .expect(201);
      const rows = await t.asOwner((db) =>
        db.query<{ id: string; status: string }>(
          `SELECT id::text, status::text FROM invitations WHERE "orgId" = $1 ORDER BY "createdAt"`,
          [org.id],
        ),
      );
      expect(rows.rows).toEqual([
        { id: first.body.id, status: 'REVOKED' },
        { id: second.body.id, status: 'PENDING' },
      ]);
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [
          first.body.id,
        ]),
      );
      expect(audit.rows.map((row) => row.action)).toEqual(['invitation.created', 'invitation.revoked']);
    });

    it('an invitation accepted and revoked at once: exactly one of them happens', async () => {
      const org = await createOrg(t, owner, { tier: 'PRO' });
      const invitee = await signUp(t);
      const invited = await t
        .http()
        .post(`/v1/orgs/${org.id}/invitations`)
        .set(owner.auth)
        .send({ email: invitee.email, role: 'EDITOR' })
        .expect(201);
      // The token exists only in the email: give the invitation a known one.
      const token = unique() + unique();
      await t.asOwner((db) =>
        db.query(`UPDATE invitations SET "tokenHash" = $1 WHERE id = $2`, [sha256(token), invited.body.id]),
      );
      const [accept, revoke] = await whileLocked(
        'SELECT 1 FROM invitations WHERE id = $1 FOR UPDATE',
        [invited.body.id],
        [
          t.http().post('/v1/invitations/accept').set(invitee.auth).send({ token }),
          t.http().delete(`/v1/orgs/${org.id}/invitations/${invited.body.id}`).set(owner.auth),
        ],
      );
      const outcome = [accept!.status, revoke!.status];
      expect([
        [200, 404],
        [404, 204],
      ]).toContainEqual(outcome);
      const members = await count(`SELECT count(*)::int AS n FROM memberships WHERE "orgId" = $1 AND "userId" = $2`, [
        org.id,
        invitee.id,
      ]);
      expect(members).toBe(outcome[0] === 200 ? 1 : 0);
      const [row] = (
        await t.asOwner((db) =>
          db.query<{ status: string }>('SELECT status::text FROM invitations WHERE id = $1', [invited.body.id]),
        )
      ).rows;
      expect(row!.status).toBe(outcome[0] === 200 ? 'ACCEPTED' : 'REVOKED');
    });
  });

  describe('owners', () => {
    it('two simultaneous transfers of ownership by one owner: one 200, one 403, exactly one OWNER', async () => {
      const org = await createOrg(t, owner);
      const [b, c] = await Promise.all([memberOf(t, org.id, 'ADMIN'), memberOf(t, org.id, 'ADMIN')]);
      const transfer = (to: TestUser) =>
        t.http().post(`/v1/orgs/${org.id}/transfer-ownership`).set(owner.auth).send({ userId: to.id });
      const responses = await whileLocked(ownerRowsLock, [org.id], [transfer(b), transfer(c)]);
      expect(statuses(responses)).toEqual([200, 403]);
      expect(await owners(org.id)).toBe(1);
    });

    it('the last two owners demoting each other at once: one goes, never zero owners', async () => {
      const first = await signUp(t);
      const org = await createOrg(t, first);
      const second = await memberOf(t, org.id, 'OWNER');
      const demote = (by: TestUser, whom: TestUser) =>
        t.http().patch(`/v1/orgs/${org.id}/members/${whom.id}`).set(by.auth).send({ role: 'ADMIN' });
      const responses = await whileLocked(ownerRowsLock, [org.id], [demote(first, second), demote(second, first)]);
      expect(statuses(responses)).toEqual([200, 403]);
      expect(await owners(org.id)).toBe(1);
    });

    it('the last two owners removing each other or leaving at once: never zero owners', async () => {
      const first = await signUp(t);
      const org = await createOrg(t, first);
      const second = await memberOf(t, org.id, 'OWNER');
      const responses = await whileLocked(
        ownerRowsLock,
        [org.id],
        [
          t.http().delete(`/v1/orgs/${org.id}/members/${second.id}`).set(first.auth),
          t.http().post(`/v1/orgs/${org.id}/leave`).set(second.auth),
          t.http().post(`/v1/orgs/${org.id}/leave`).set(first.auth),
        ],
      );
      expect(responses.filter((res) => res.status === 204)).toHaveLength(1);
      expect(await owners(org.id)).toBe(1);
    });
  });
});
