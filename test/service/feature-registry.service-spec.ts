import { Module } from '@nestjs/common';
import { AppException } from '../../src/common/errors/app-exception';
import { Feature, type FeatureUsage } from '../../src/common/features/feature';
import { FeatureRegistry } from '../../src/common/features/feature-registry';
import { DbContext } from '../../src/database/db-context';
import type { OrgTier } from '../../src/generated/prisma/enums';
import { createOrg, createUser, inOrg } from '../factories';
import { createServiceModule, type ServiceModule } from '../support/service-module';

/**
 * A feature that exists only here, counting real rows (variables keyed `note_…`) so that its usage
 * is what concurrent transactions have committed, as a module's own count would be.
 */
@Feature({
  name: 'notes',
  flag: { name: 'notes', defaultByTier: { FREE: false, PRO: true, ENTERPRISE: true } },
  limits: { notes: { FREE: 3, PRO: 10, ENTERPRISE: null } },
})
class NotesFeature implements FeatureUsage {
  constructor(private readonly db: DbContext) {}

  async usage(orgId: string): Promise<Record<string, number>> {
    return { notes: await this.db.client.variable.count({ where: { orgId, key: { startsWith: 'note_' } } }) };
  }
}

@Module({ providers: [NotesFeature] })
class NotesModule {}

describe('FeatureRegistry: plan limits and feature flags (service)', () => {
  let s: ServiceModule;
  let registry: FeatureRegistry;
  let db: DbContext;
  let owner: { id: string; email: string };

  beforeAll(async () => {
    s = await createServiceModule({ imports: [NotesModule] });
    registry = s.get(FeatureRegistry);
    db = s.get(DbContext);
    owner = await createUser(s);
  });
  afterAll(() => s.close());

  async function orgWith(plan: { tier?: OrgTier; limits?: object; featureFlags?: object } = {}, by = owner) {
    const org = await createOrg(s, by, { tier: plan.tier });
    if (plan.limits || plan.featureFlags) {
      await inOrg(s, org.id, (tx) =>
        tx.organization.update({
          where: { id: org.id },
          data: { limits: plan.limits, featureFlags: plan.featureFlags },
        }),
      );
    }
    return org.id;
  }

  /** One "create a note" request: the limit check and the insert in one transaction. */
  const addNote = (orgId: string, key = `note_${Math.random().toString(36).slice(2)}`) =>
    s.as({ userId: owner.id, orgId, role: 'OWNER' }, async () => {
      await registry.assertCanAdd(orgId, 'notes');
      await db.client.variable.create({ data: { orgId, key, value: 'x' } });
    });

  const notesIn = (orgId: string) => inOrg(s, orgId, (tx) => tx.variable.count({ where: { orgId } }));

  const planLimitReached = expect.objectContaining({ code: 'PLAN_LIMIT_REACHED' });

  it('holds a limit under parallel adders: exactly the allowed number commit', async () => {
    const orgId = await orgWith();
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => addNote(orgId)));
    const refused = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(refused).toHaveLength(5);
    for (const reason of refused) expect(reason).toEqual(planLimitReached);
    expect(await notesIn(orgId)).toBe(3);
  });

  it("takes the tier's limit unless the org overrides it with a count or null (unlimited)", async () => {
    const pro = await orgWith({ tier: 'PRO' });
    for (let i = 0; i < 10; i++) await addNote(pro);
    await expect(addNote(pro)).rejects.toEqual(planLimitReached);

    const none = await orgWith({ limits: { notes: 0 } });
    await expect(addNote(none)).rejects.toEqual(planLimitReached);

    const unlimited = await orgWith({ limits: { notes: null } });
    for (let i = 0; i < 5; i++) await addNote(unlimited);
    expect(await notesIn(unlimited)).toBe(5);

    // An override that is not a whole number ≥ 0 or null is ignored: the FREE tier's 3 applies.
    const malformed = await orgWith({ limits: { notes: 'lots' } });
    for (let i = 0; i < 3; i++) await addNote(malformed);
    await expect(addNote(malformed)).rejects.toEqual(planLimitReached);
  });

  it("names the plan and its limit in the refusal, and lets the caller's own count replace the module's", async () => {
    const orgId = await orgWith({ limits: { notes: 1 } });
    await addNote(orgId);
    const refusal = await addNote(orgId).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppException);
    expect((refusal as AppException).message).toBe('The FREE plan allows 1 notes; remove one or upgrade');
    // A caller that knows better (a resent invitation already holds its seat) passes its count.
    await s.as({ userId: owner.id, orgId, role: 'OWNER' }, () => registry.assertCanAdd(orgId, 'notes', async () => 0));
  });

  it('refuses a limit no feature declares as a programming error, not a 403', async () => {
    const orgId = await orgWith();
    await expect(
      s.as({ userId: owner.id, orgId, role: 'OWNER' }, () => registry.assertCanAdd(orgId, 'gizmos')),
    ).rejects.toThrow('No feature declares the limit gizmos');
  });

  it('cannot read the plan of an org the caller is not in: 404, not its limits', async () => {
    const mine = await orgWith();
    const theirs = await orgWith({ limits: { notes: null } }, await createUser(s));
    await expect(
      s.as({ userId: owner.id, orgId: mine, role: 'OWNER' }, () => registry.assertCanAdd(theirs, 'notes')),
    ).rejects.toEqual(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it("switches a flagged feature by the tier's default, overridden by the org's flags", async () => {
    const enabled = (orgId: string) =>
      s
        .as({ userId: owner.id, orgId, role: 'OWNER' }, () => registry.assertEnabled(orgId, 'notes'))
        .then(() => true)
        .catch((error: AppException) => {
          expect(error).toEqual(expect.objectContaining({ code: 'FEATURE_DISABLED' }));
          return false;
        });
    expect(await enabled(await orgWith())).toBe(false);
    expect(await enabled(await orgWith({ tier: 'PRO' }))).toBe(true);
    expect(await enabled(await orgWith({ featureFlags: { notes: true } }))).toBe(true);
    expect(await enabled(await orgWith({ tier: 'ENTERPRISE', featureFlags: { notes: false } }))).toBe(false);
    // Only booleans count: anything else leaves the tier's default.
    expect(await enabled(await orgWith({ featureFlags: { notes: 'yes' } }))).toBe(false);
  });
});
