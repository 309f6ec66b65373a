import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { Authenticated, OrgId } from '../../src/common/auth/decorators';
import { Feature, type FeatureUsage } from '../../src/common/features/feature';
import { FeatureRegistry } from '../../src/common/features/feature-registry';
import { createOrg, signUp, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * A feature module that exists only in this test: its scope, flag and plan limit reach the
 * limits view, API-key validation, PLAN_LIMIT_REACHED and FEATURE_DISABLED with no edit elsewhere.
 */
const gadgets = new Map<string, number>();

@Feature({
  name: 'gadgets',
  scope: 'gadgets',
  flag: { name: 'gadgets', defaultByTier: { FREE: false, PRO: true, ENTERPRISE: true } },
  limits: { gadgets: { FREE: 2, PRO: 3, ENTERPRISE: null } },
})
class GadgetsFeature implements FeatureUsage {
  async usage(orgId: string) {
    return { gadgets: gadgets.get(orgId) ?? 0 };
  }
}

@Controller('v1/orgs/:orgId/gadgets')
class GadgetsController {
  constructor(private readonly features: FeatureRegistry) {}

  @Post()
  @HttpCode(201)
  @Authenticated({ tenant: true, role: 'EDITOR', scope: 'gadgets' })
  async create(@OrgId() orgId: string) {
    await this.features.assertCanAdd(orgId, 'gadgets');
    gadgets.set(orgId, (gadgets.get(orgId) ?? 0) + 1);
    return { count: gadgets.get(orgId) };
  }

  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER', scope: 'gadgets' })
  list(@OrgId() orgId: string) {
    return { count: gadgets.get(orgId) ?? 0 };
  }
}

@Module({ controllers: [GadgetsController], providers: [GadgetsFeature] })
class GadgetsModule {}

describe('a feature module declares its scope, flag and limits in its own folder (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp({ imports: [GadgetsModule] });
    owner = await signUp(t);
    orgId = (await createOrg(t, owner)).id;
  });
  afterAll(() => t.close());

  const enable = (flags: Record<string, boolean>) =>
    t.http().put(`/v1/orgs/${orgId}/feature-flags`).set(owner.auth).send({ flags });

  it('is switched off by its tier default: 403 FEATURE_DISABLED naming the flag', async () => {
    const res = await t.http().get(`/v1/orgs/${orgId}/gadgets`).set(owner.auth).expect(403);
    expect(res.body).toMatchObject({ code: 'FEATURE_DISABLED', detail: expect.stringContaining('gadgets') });
    const org = await t.http().get(`/v1/orgs/${orgId}`).set(owner.auth).expect(200);
    expect(org.body.featureFlags).toMatchObject({ gadgets: false });
  });

  it('is switched on by the org flag, and its limit is enforced and reported', async () => {
    await enable({ gadgets: true }).expect(200);
    await t.http().post(`/v1/orgs/${orgId}/gadgets`).set(owner.auth).expect(201);
    await t.http().post(`/v1/orgs/${orgId}/gadgets`).set(owner.auth).expect(201);
    const third = await t.http().post(`/v1/orgs/${orgId}/gadgets`).set(owner.auth).expect(403);
    expect(third.body.code).toBe('PLAN_LIMIT_REACHED');
    const limits = await t.http().get(`/v1/orgs/${orgId}/limits`).set(owner.auth).expect(200);
    expect(limits.body.limits).toMatchObject({
      gadgets: { limit: 2, used: 2 },
      variables: { limit: 100, used: 0 },
      members: { limit: 5, used: 1 },
    });
  });

  it('lets API keys hold its scope and use its routes', async () => {
    const created = await t
      .http()
      .post(`/v1/orgs/${orgId}/api-keys`)
      .set(owner.auth)
      .send({ name: 'gadget reader', scopes: ['gadgets:read'] })
      .expect(201);
    const res = await t
      .http()
      .get(`/v1/orgs/${orgId}/gadgets`)
      .set({ Authorization: `Bearer ${created.body.key}` });
    expect(res.body).toEqual({ count: 2 });
    const unknown = await t
      .http()
      .post(`/v1/orgs/${orgId}/api-keys`)
      .set(owner.auth)
      .send({ name: 'bad', scopes: ['widgets:read'] })
      .expect(400);
    expect(unknown.body.code).toBe('VALIDATION_FAILED');
  });

  it('switches off again when the org flag says so', async () => {
    await enable({ gadgets: false }).expect(200);
    await t.http().get(`/v1/orgs/${orgId}/gadgets`).set(owner.auth).expect(403);
  });

  it('holds a limit under parallel creates (one lock per org and limit)', async () => {
    const other = (await createOrg(t, owner)).id;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t
          .http()
          .post(`/v1/orgs/${other}/api-keys`)
          .set(owner.auth)
          .send({ name: `parallel ${i}`, scopes: ['variables:read'] }),
      ),
    );
    expect(results.map((res) => res.status).sort()).toEqual([201, 201, 403, 403, 403, 403, 403, 403]);
  });
});
