import type { MemberRole } from '../../src/generated/prisma/enums';
import { MembersService } from '../../src/modules/orgs/members.service';
import { OrgsModule } from '../../src/modules/orgs/orgs.module';
import { addMember, createOrg, createUser, inOrg } from '../factories';
import { createServiceModule, type ServiceModule } from '../support/service-module';

/**
 * An organization always keeps an active OWNER, also when its owners act at the same moment:
 * each check locks the owner rows, so of two owners handing over to each other one wins.
 */
describe('MembersService: the last active owner (service)', () => {
  let s: ServiceModule;
  let members: MembersService;

  beforeAll(async () => {
    s = await createServiceModule({ imports: [OrgsModule] });
    members = s.get(MembersService);
  });
  afterAll(() => s.close());

  /** An org with two active owners, `a` and `b`. */
  async function twoOwners() {
    const [a, b] = await Promise.all([createUser(s), createUser(s)]);
    const org = await createOrg(s, a);
    await addMember(s, org.id, b.id, 'OWNER');
    return { orgId: org.id, a, b };
  }

  const asOwner = (orgId: string, user: { id: string; email: string }) => ({
    userId: user.id,
    email: user.email,
    orgId,
    role: 'OWNER' as MemberRole,
  });

  const state = (orgId: string) =>
    inOrg(s, orgId, async (tx) => ({
      activeOwners: await tx.membership.count({ where: { orgId, role: 'OWNER', status: 'ACTIVE' } }),
      audited: (await tx.auditLog.findMany({ where: { orgId }, select: { action: true } })).map((e) => e.action),
    }));

  const lastOwner = expect.objectContaining({
    code: 'FORBIDDEN',
    detail: expect.stringMatching(/at least one active owner/),
  });
  const noLongerOwner = expect.objectContaining({
    code: 'FORBIDDEN',
    detail: expect.stringMatching(/Only an owner can grant the OWNER role or change an owner/),
  });

  it('two owners demoting each other at once: one demotion commits, the other is refused', async () => {
    const { orgId, a, b } = await twoOwners();
    const results = await Promise.allSettled([
      s.as(asOwner(orgId, a), () => members.update(orgId, b.id, { role: 'ADMIN' })),
      s.as(asOwner(orgId, b), () => members.update(orgId, a.id, { role: 'ADMIN' })),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    // The loser waited on the owner rows' lock; under it, its caller is no longer an owner.
    expect(results.find((result) => result.status === 'rejected')).toEqual(
      expect.objectContaining({ reason: noLongerOwner }),
    );
    // The refused change left nothing behind, its audit entry included.
    expect(await state(orgId)).toEqual({ activeOwners: 1, audited: ['membership.updated'] });
  });

  it('two owners leaving at once: one leaves, the other stays as the active owner', async () => {
    const { orgId, a, b } = await twoOwners();
    const results = await Promise.allSettled([
      s.as(asOwner(orgId, a), () => members.leave(orgId)),
      s.as(asOwner(orgId, b), () => members.leave(orgId)),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await state(orgId)).toEqual({ activeOwners: 1, audited: ['membership.left'] });
  });

  it('an owner suspending the other while being removed by them: the org keeps an active owner', async () => {
    const { orgId, a, b } = await twoOwners();
    await Promise.allSettled([
      s.as(asOwner(orgId, a), () => members.update(orgId, b.id, { status: 'SUSPENDED' })),
      s.as(asOwner(orgId, b), () => members.remove(orgId, a.id)),
    ]);
    expect((await state(orgId)).activeOwners).toBe(1);
  });

  it('a suspended owner is no stand-in: the only active owner can neither leave nor be demoted', async () => {
    const { orgId, a, b } = await twoOwners();
    await s.as(asOwner(orgId, a), () => members.update(orgId, b.id, { status: 'SUSPENDED' }));
    await expect(s.as(asOwner(orgId, a), () => members.leave(orgId))).rejects.toEqual(lastOwner);
    await expect(s.as(asOwner(orgId, a), () => members.update(orgId, a.id, { role: 'EDITOR' }))).rejects.toEqual(
      lastOwner,
    );
    expect(await state(orgId)).toEqual({ activeOwners: 1, audited: ['membership.updated'] });
  });
});
