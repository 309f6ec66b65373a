import { Controller, Get, Param } from '@nestjs/common';
import { Authenticated, OrgId, Public } from '../../src/common/auth/decorators';
import { createTestApp } from '../support/test-app';

/** Tenancy is declared on each route, never inferred: an app with an undeclared route does not start. */

@Controller('v1/orgs/:organizationId/things')
class ForgotTenantController {
  @Get()
  @Authenticated()
  list() {
    return [];
  }
}

@Controller('v1/orgs/:organizationId/gadgets')
class WrongParameterController {
  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER' })
  list(@OrgId() orgId: string) {
    return [orgId];
  }
}

@Controller('v1/orgs/:orgId/open')
class PublicUnderOrgController {
  @Get()
  @Public()
  list() {
    return [];
  }
}

@Controller('v1/widgets')
class UndeclaredController {
  @Get()
  list() {
    return [];
  }
}

@Controller('v1/orgs/:orgId/raw')
class RawOrgIdController {
  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER' })
  list(@Param('orgId') orgId: string) {
    return [orgId];
  }
}

@Controller('v1/me/tenant-elsewhere')
class TenantOutsideOrgsController {
  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER' })
  list() {
    return [];
  }
}

describe('route declarations are checked at start-up (e2e)', () => {
  it.each([
    [ForgotTenantController, 'GET /v1/orgs/:organizationId/things is under /v1/orgs/ but not declared'],
    [WrongParameterController, 'GET /v1/orgs/:organizationId/gadgets is declared tenant but its path does not start'],
    [PublicUnderOrgController, 'GET /v1/orgs/:orgId/open is public under /v1/orgs/'],
    [UndeclaredController, 'GET /v1/widgets has neither @Public() nor @Authenticated()'],
    [RawOrgIdController, 'GET /v1/orgs/:orgId/raw reads :orgId with @Param() instead of @OrgId()'],
    [TenantOutsideOrgsController, 'GET /v1/me/tenant-elsewhere is declared tenant but its path does not start'],
  ])('refuses to start with %p', async (controller, problem) => {
    await expect(createTestApp({ controllers: [controller] })).rejects.toThrow(problem);
  });

  it('starts with every route of the application declared', async () => {
    const t = await createTestApp();
    await t.close();
  });
});
