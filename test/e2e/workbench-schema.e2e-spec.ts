import { createOrg, memberOf, orgWithEveryRole, signUp, type HasDatabase } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * What the workbench migration (issue 9) makes the database hold on its own, below the services:
 * personal provider keys private to their owner, one org default per provider, and personal keys
 * gone with their owner's account.
 */
type Tx = Parameters<Parameters<HasDatabase['prisma']['$transaction']>[0]>[0];

describe('workbench schema (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
  });
  afterAll(() => t.close());

  /** As the server's role in the org, as `userId` (none: an API key's scope). */
  const as = <T>(orgId: string, userId: string | null, work: (tx: Tx) => Promise<T>) =>
    t.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.org_id', ${orgId}, true), set_config('app.user_id', ${userId ?? ''}, true)`;
      return work(tx);
    });
  const key = (orgId: string, extra: Record<string, unknown>) => ({
    orgId,
    provider: 'OPENAI' as const,
    name: 'k',
    encryptedKey: 'v1:test',
    last4: 'abcd',
    ...extra,
  });

  it('shows a PERSONAL key to its owner alone; ORG keys to every member and to API keys', async () => {
    const orgId = world.org.id;
    const shared = await as(orgId, world.admin.id, (tx) => tx.providerKey.create({ data: key(orgId, {}) }));
    const mine = await as(orgId, world.editor.id, (tx) =>
      tx.providerKey.create({ data: key(orgId, { scope: 'PERSONAL', ownerUserId: world.editor.id }) }),
    );
    const ids = (userId: string | null) =>
      as(orgId, userId, async (tx) => (await tx.providerKey.findMany({ select: { id: true } })).map((k) => k.id));
    expect(await ids(world.editor.id)).toEqual(expect.arrayContaining([shared.id, mine.id]));
    expect(await ids(world.owner.id)).toEqual([shared.id]);
    expect(await ids(null)).toEqual([shared.id]);
    // Nobody else changes or deletes it either (no error: RLS hides the row).
    const touched = await as(orgId, world.owner.id, (tx) =>
      tx.providerKey.updateMany({ where: { id: mine.id }, data: { name: 'taken' } }),
    );
    expect(touched.count).toBe(0);
    // Nor makes a personal key for someone else.
    await expect(
      as(orgId, world.owner.id, (tx) =>
        tx.providerKey.create({ data: key(orgId, { scope: 'PERSONAL', ownerUserId: world.editor.id }) }),
      ),
    ).rejects.toThrow();
  });

  it('refuses a PERSONAL key without an owner and an ORG key with one (row rule, RLS aside)', async () => {
    const insert = (scope: string, owner: string | null) =>
      t.asOwner((db) =>
        db.query(
          `INSERT INTO provider_keys (id, "orgId", provider, name, "encryptedKey", last4, scope, "ownerUserId", "updatedAt")
           VALUES (gen_random_uuid(), $1, 'OPENAI', 'k', 'v1:test', 'abcd', $2, $3, now())`,
          [world.org.id, scope, owner],
        ),
      );
    await expect(insert('PERSONAL', null)).rejects.toThrow(/provider_keys_owner_matches_scope/);
    await expect(insert('ORG', world.editor.id)).rejects.toThrow(/provider_keys_owner_matches_scope/);
    await insert('PERSONAL', world.editor.id);
  });

  it('refuses an expectation weight that is not positive, and a run with both or neither target', async () => {
    const orgId = world.org.id;
    const scenario = await as(orgId, world.editor.id, (tx) =>
      tx.scenario.create({ data: { orgId, name: `s-${Date.now()}` } }),
    );
    const expectation = (weight: number) =>
      as(orgId, world.editor.id, (tx) =>
        tx.scenarioExpectation.create({
          data: { orgId, scenarioId: scenario.id, expectationType: 'MUST_CONTAIN', values: ['x'], weight },
        }),
      );
    await expect(expectation(0)).rejects.toThrow(/scenario_expectations_weight_positive/);
    await expect(expectation(-1)).rejects.toThrow(/scenario_expectations_weight_positive/);
    await expect(expectation(Number.NaN)).rejects.toThrow(/scenario_expectations_weight_positive/);
    await expectation(0.5);

    const suite = await as(orgId, world.editor.id, (tx) =>
      tx.scenarioSuite.create({ data: { orgId, name: `suite-${Date.now()}` } }),
    );
    const run = (target: { scenarioId?: string; suiteId?: string }) =>
      t.asOwner((db) =>
        db.query(
          `INSERT INTO evaluation_runs (id, "orgId", "scenarioId", "suiteId", "providerKeyId", provider, model, "updatedAt")
           VALUES (gen_random_uuid(), $1, $2, $3, gen_random_uuid(), 'OPENAI', 'm', now())`,
          [orgId, target.scenarioId ?? null, target.suiteId ?? null],
        ),
      );
    await expect(run({})).rejects.toThrow(/evaluation_runs_one_target/);
    await expect(run({ scenarioId: scenario.id, suiteId: suite.id })).rejects.toThrow(/evaluation_runs_one_target/);
    await run({ suiteId: suite.id });
  });

  it('allows several keys per provider but one ORG default per provider', async () => {
    const owner = await signUp(t);
    const org = await createOrg(t, owner);
    const add = (extra: Record<string, unknown>) =>
      as(org.id, owner.id, (tx) => tx.providerKey.create({ data: key(org.id, extra) }));
    await add({});
    await add({});
    await add({ isDefault: true });
    await add({ isDefault: true, provider: 'ANTHROPIC' });
    await add({ isDefault: true, scope: 'PERSONAL', ownerUserId: owner.id });
    await expect(add({ isDefault: true })).rejects.toMatchObject({ code: 'P2002' });
  });

  it("deletes a user's personal keys with their account, and keeps the org keys they made", async () => {
    const member = await memberOf(t, world.org.id, 'EDITOR');
    const orgId = world.org.id;
    await as(orgId, member.id, (tx) =>
      tx.providerKey.createMany({
        data: [
          key(orgId, { createdByUserId: member.id }),
          key(orgId, { scope: 'PERSONAL', ownerUserId: member.id, createdByUserId: member.id }),
        ],
      }),
    );
    await t.http().delete('/v1/me').set(member.auth).send({ password: member.password }).expect(204);
    const left = await t.asOwner((db) =>
      db.query<{ scope: string }>(`SELECT scope FROM provider_keys WHERE "createdByUserId" = $1`, [member.id]),
    );
    expect(left.rows).toEqual([{ scope: 'ORG' }]);
  });
});
