import { Body, Controller, Delete, Get, HttpCode, Injectable, Module, Param, Patch, Post } from '@nestjs/common';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ClsService } from 'nestjs-cls';
import { Authenticated, OrgId } from '../../src/common/auth/decorators';
import { AppException } from '../../src/common/errors/app-exception';
import { UuidParamPipe } from '../../src/common/http/uuid-param.pipe';
import {
  assertCreatorOwnedAccess,
  creatorOf,
  ownedRowCaller,
  readableWhere,
  writableWhere,
  type CreatorOwnedModel,
  type OwnedRowCaller,
} from '../../src/common/tenancy/creator-owned';
import { RequestContext } from '../../src/common/tenancy/request-context';
import { DbContext } from '../../src/database/db-context';
import type { Canvas, Prisma } from '../../src/generated/prisma/client';
import { createOrg, memberOf, signUp, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The creator-owned access helper on the real canvases table, through a module that exists only
 * in this test (a minimal canvases API), and row-level security underneath it.
 */
const CANVASES: CreatorOwnedModel<Prisma.CanvasWhereInput> = {
  createdBy: (userId) => ({ createdByUserId: userId }),
  visibleToOrg: { visibility: 'ORG' },
  orgRowEditors: 'EDITOR',
};

class CreateCanvasDto {
  @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @IsIn(['PRIVATE', 'ORG']) visibility!: 'PRIVATE' | 'ORG';
}

class UpdateCanvasDto {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100) name?: string;
  @IsOptional() @IsIn(['PRIVATE', 'ORG']) visibility?: 'PRIVATE' | 'ORG';
}

@Injectable()
class CanvasesRepository {
  constructor(private readonly db: DbContext) {}

  create(orgId: string, createdByUserId: string, data: CreateCanvasDto): Promise<Canvas> {
    return this.db.client.canvas.create({ data: { orgId, createdByUserId, ...data } });
  }

  list(orgId: string, caller: OwnedRowCaller): Promise<Canvas[]> {
    return this.db.client.canvas.findMany({
      where: { orgId, ...readableWhere(CANVASES, caller) },
      orderBy: { id: 'asc' },
    });
  }

  find(orgId: string, id: string, caller: OwnedRowCaller): Promise<Canvas | null> {
    return this.db.client.canvas.findFirst({ where: { orgId, id, ...readableWhere(CANVASES, caller) } });
  }

  async update(orgId: string, id: string, caller: OwnedRowCaller, data: UpdateCanvasDto): Promise<number> {
    const where = { orgId, id, ...writableWhere(CANVASES, caller) };
    return (await this.db.client.canvas.updateMany({ where, data })).count;
  }

  async delete(orgId: string, id: string, caller: OwnedRowCaller): Promise<number> {
    return (await this.db.client.canvas.deleteMany({ where: { orgId, id, ...writableWhere(CANVASES, caller) } })).count;
  }
}

const view = ({ id, name, visibility, createdByUserId }: Canvas) => ({ id, name, visibility, createdByUserId });

@Injectable()
class CanvasesService {
  constructor(
    private readonly repository: CanvasesRepository,
    private readonly context: RequestContext,
  ) {}

  async create(orgId: string, dto: CreateCanvasDto) {
    return view(await this.repository.create(orgId, creatorOf(ownedRowCaller(this.context)), dto));
  }

  async list(orgId: string) {
    return (await this.repository.list(orgId, ownedRowCaller(this.context))).map(view);
  }

  async get(orgId: string, id: string) {
    return view(await this.find(orgId, id));
  }

  async update(orgId: string, id: string, dto: UpdateCanvasDto) {
    const caller = ownedRowCaller(this.context);
    const canvas = await this.find(orgId, id);
    assertCreatorOwnedAccess(CANVASES, caller, canvas, 'update', 'Canvas');
    if (dto.visibility && dto.visibility !== canvas.visibility) {
      assertCreatorOwnedAccess(CANVASES, caller, canvas, 'share', 'Canvas');
    }
    // The same rule once more in the write itself, so a row that changed meanwhile is not written.
    if ((await this.repository.update(orgId, id, caller, dto)) === 0) throw AppException.notFound('Canvas');
    return this.get(orgId, id);
  }

  async remove(orgId: string, id: string) {
    const caller = ownedRowCaller(this.context);
    assertCreatorOwnedAccess(CANVASES, caller, await this.find(orgId, id), 'delete', 'Canvas');
    if ((await this.repository.delete(orgId, id, caller)) === 0) throw AppException.notFound('Canvas');
  }

  private async find(orgId: string, id: string): Promise<Canvas> {
    const canvas = await this.repository.find(orgId, id, ownedRowCaller(this.context));
    if (!canvas) throw AppException.notFound('Canvas');
    return canvas;
  }
}

/** Any member, VIEWER included, makes canvases (DESIGN.md); the helper decides the rest. */
@Controller('v1/orgs/:orgId/test-canvases')
class CanvasesController {
  constructor(private readonly canvases: CanvasesService) {}

  @Post()
  @Authenticated({ tenant: true, role: 'VIEWER' })
  create(@OrgId() orgId: string, @Body() dto: CreateCanvasDto) {
    return this.canvases.create(orgId, dto);
  }

  @Get()
  @Authenticated({ tenant: true, role: 'VIEWER' })
  list(@OrgId() orgId: string) {
    return this.canvases.list(orgId);
  }

  @Get(':canvasId')
  @Authenticated({ tenant: true, role: 'VIEWER' })
  get(@OrgId() orgId: string, @Param('canvasId', UuidParamPipe) id: string) {
    return this.canvases.get(orgId, id);
  }

  @Patch(':canvasId')
  @Authenticated({ tenant: true, role: 'VIEWER' })
  update(@OrgId() orgId: string, @Param('canvasId', UuidParamPipe) id: string, @Body() dto: UpdateCanvasDto) {
    return this.canvases.update(orgId, id, dto);
  }

  @Delete(':canvasId')
  @HttpCode(204)
  @Authenticated({ tenant: true, role: 'VIEWER' })
  remove(@OrgId() orgId: string, @Param('canvasId', UuidParamPipe) id: string) {
    return this.canvases.remove(orgId, id);
  }
}

@Module({ controllers: [CanvasesController], providers: [CanvasesService, CanvasesRepository] })
class TestCanvasesModule {}

describe('creator-owned rows: the access helper on canvases, and row-level security under it (e2e)', () => {
  let t: TestApp;
  let org: { id: string };
  let creator: TestUser; // a VIEWER: any member makes canvases
  let viewer: TestUser;
  let editor: TestUser;
  let owner: TestUser;
  let outsider: TestUser;
  let otherOrg: { id: string };

  beforeAll(async () => {
    t = await createTestApp({ imports: [TestCanvasesModule] });
    owner = await signUp(t);
    org = await createOrg(t, owner);
    [creator, viewer, editor] = [
      await memberOf(t, org.id, 'VIEWER'),
      await memberOf(t, org.id, 'VIEWER'),
      await memberOf(t, org.id, 'EDITOR'),
    ];
    outsider = await signUp(t);
    otherOrg = await createOrg(t, outsider);
  });
  afterAll(() => t.close());

  const base = (orgId = org.id) => `/v1/orgs/${orgId}/test-canvases`;
  const make = async (by: TestUser, visibility: 'PRIVATE' | 'ORG', orgId = org.id) =>
    (
      await t
        .http()
        .post(base(orgId))
        .set(by.auth)
        .send({ name: `${visibility} canvas`, visibility })
        .expect(201)
    ).body as { id: string; createdByUserId: string };
  const ids = async (by: TestUser) =>
    ((await t.http().get(base()).set(by.auth).expect(200)).body as { id: string }[]).map((c) => c.id);

  it('the creator reads and changes their private canvas; no one else sees it, the owner included (404)', async () => {
    const canvas = await make(creator, 'PRIVATE');
    expect(canvas.createdByUserId).toBe(creator.id);
    expect(await ids(creator)).toContain(canvas.id);
    await t.http().patch(`${base()}/${canvas.id}`).set(creator.auth).send({ name: 'Mine' }).expect(200);
    for (const other of [viewer, editor, owner]) {
      expect(await ids(other)).not.toContain(canvas.id);
      await t.http().get(`${base()}/${canvas.id}`).set(other.auth).expect(404);
      await t.http().patch(`${base()}/${canvas.id}`).set(other.auth).send({ name: 'Taken' }).expect(404);
      await t.http().delete(`${base()}/${canvas.id}`).set(other.auth).expect(404);
    }
    await t.http().delete(`${base()}/${canvas.id}`).set(creator.auth).expect(204);
    await t.http().get(`${base()}/${canvas.id}`).set(creator.auth).expect(404);
  });

  it('an ORG canvas: every member reads it, EDITOR+ change it, a VIEWER does not, only the creator makes it private', async () => {
    const canvas = await make(creator, 'ORG');
    for (const member of [viewer, editor, owner]) expect(await ids(member)).toContain(canvas.id);

    const refused = await t.http().patch(`${base()}/${canvas.id}`).set(viewer.auth).send({ name: 'No' }).expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    await t.http().delete(`${base()}/${canvas.id}`).set(viewer.auth).expect(403);
    const edited = await t.http().patch(`${base()}/${canvas.id}`).set(editor.auth).send({ name: 'Edited' }).expect(200);
    expect(edited.body).toMatchObject({ name: 'Edited', visibility: 'ORG', createdByUserId: creator.id });
    await t.http().patch(`${base()}/${canvas.id}`).set(owner.auth).send({ visibility: 'PRIVATE' }).expect(403);

    await t.http().patch(`${base()}/${canvas.id}`).set(creator.auth).send({ visibility: 'PRIVATE' }).expect(200);
    await t.http().get(`${base()}/${canvas.id}`).set(editor.auth).expect(404);
    await t.http().patch(`${base()}/${canvas.id}`).set(creator.auth).send({ visibility: 'ORG' }).expect(200);
    await t.http().delete(`${base()}/${canvas.id}`).set(editor.auth).expect(204);
  });

  it('another organization sees none of them: its members get 404, its own route finds no ids of this org', async () => {
    const canvas = await make(creator, 'ORG');
    await t.http().get(base()).set(outsider.auth).expect(404);
    await t.http().get(`${base()}/${canvas.id}`).set(outsider.auth).expect(404);
    await t
      .http()
      .get(`${base(otherOrg.id)}/${canvas.id}`)
      .set(outsider.auth)
      .expect(404);
    await t
      .http()
      .delete(`${base(otherOrg.id)}/${canvas.id}`)
      .set(outsider.auth)
      .expect(404);
    await t.http().get(`${base()}/${canvas.id}`).set(viewer.auth).expect(200);
  });

  it('400 on a bad body, 401 anonymous', async () => {
    await t.http().post(base()).set(creator.auth).send({ name: 'x', visibility: 'PUBLIC' }).expect(400);
    await t
      .http()
      .post(base())
      .set(creator.auth)
      .send({ name: 'x', visibility: 'ORG', orgId: otherOrg.id })
      .expect(400);
    await t.http().get(base()).expect(401);
  });

  describe('row-level security, if the helper were bypassed', () => {
    /** Runs `work` in a member's request scope, as the tenant interceptor sets it. */
    const inScopeOf = <T>(user: TestUser, orgId: string, work: (db: DbContext) => Promise<T>): Promise<T> => {
      const db = t.app.get(DbContext);
      return t.app.get(ClsService).run(() => db.run({ orgId, userId: user.id }, () => work(db)));
    };

    it("shows and lets change no one else's private canvas, even to a query without the creator filter", async () => {
      const secret = await make(creator, 'PRIVATE');
      const shared = await make(creator, 'ORG');
      for (const other of [viewer, owner]) {
        const seen = await inScopeOf(other, org.id, (db) => db.client.canvas.findMany({ where: { orgId: org.id } }));
        expect(seen.map((c) => c.id)).toContain(shared.id);
        expect(seen.map((c) => c.id)).not.toContain(secret.id);
        const changed = await inScopeOf(other, org.id, (db) =>
          db.client.canvas.updateMany({ where: { id: secret.id }, data: { visibility: 'ORG' } }),
        );
        const removed = await inScopeOf(other, org.id, (db) =>
          db.client.canvas.deleteMany({ where: { id: secret.id } }),
        );
        expect({ changed: changed.count, removed: removed.count }).toEqual({ changed: 0, removed: 0 });
      }
      // Nor can a member create a canvas in another's name, or read the org's canvases from another org's scope.
      await expect(
        inScopeOf(viewer, org.id, (db) =>
          db.client.canvas.create({ data: { orgId: org.id, createdByUserId: creator.id, name: 'Forged' } }),
        ),
      ).rejects.toThrow();
      const elsewhere = await inScopeOf(creator, otherOrg.id, (db) =>
        db.client.canvas.findMany({ where: { id: { in: [secret.id, shared.id] } } }),
      );
      expect(elsewhere).toEqual([]);
      // The creator still has both.
      expect(await ids(creator)).toEqual(expect.arrayContaining([secret.id, shared.id]));
    });
  });
});
