import { createOrg, inOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

describe('prompts (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let otherBase: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}/prompts`;
    otherBase = `/v1/orgs/${world.otherOrg.id}/prompts`;
  });
  afterAll(() => t.close());

  const create = (user: TestUser, body: Record<string, unknown>, orgBase = base) =>
    t.http().post(orgBase).set(user.auth).send(body);
  const prompt = async (body: Record<string, unknown> = {}, orgBase = base, user = world.editor) =>
    (await create(user, { name: `p-${unique()}`, content: 'Hello {{who}}', ...body }, orgBase).expect(201)).body;
  const patch = (id: string, body: Record<string, unknown>, etag: string | null, user = world.editor) => {
    const req = t.http().patch(`${base}/${id}`).set(user.auth);
    return (etag === null ? req : req.set('If-Match', etag)).send(body);
  };
  const auditActions = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id]),
      )
    ).rows.map((r) => r.action);
  const apiKey = (orgId: string, scopes: string[]) => serviceApiKey(t, orgId, scopes);

  describe('POST /prompts', () => {
    it('creates a prompt at version 1 (EDITOR), with its version row, and audits it', async () => {
      const res = await create(world.editor, {
        name: 'support-greeting',
        description: 'First message',
        content: 'You help {{company_name}}',
        config: { model: 'gpt-4o-mini', temperature: 0.2 },
        tags: ['support'],
        status: 'PUBLISHED',
      }).expect(201);
      expect(res.body).toMatchObject({
        name: 'support-greeting',
        type: 'TEXT',
        config: { model: 'gpt-4o-mini', temperature: 0.2 },
        tags: ['support'],
        status: 'PUBLISHED',
        version: 1,
        latestVersion: 1,
        labels: { latest: 1 },
        orgId: world.org.id,
        createdByUserId: world.editor.id,
      });
      expect(res.headers.etag).toBe('"1"');
      const versions = await t.http().get(`${base}/${res.body.id}/versions`).set(world.viewer.auth).expect(200);
      expect(versions.body).toEqual({
        data: [expect.objectContaining({ version: 1, content: 'You help {{company_name}}', labels: ['latest'] })],
        nextCursor: null,
      });
      expect(await auditActions(res.body.id)).toEqual(['prompt.created']);
    });

    it('400 on invalid fields, and on CHAT content that is not a message array', async () => {
      const res = await create(world.editor, { name: 'a/b', content: '', type: 'IMAGE', extra: 1 }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'content',
        'extra',
        'name',
        'type',
      ]);
      const chat = await create(world.editor, { name: `c-${unique()}`, type: 'CHAT', content: 'plain' }).expect(400);
      expect(chat.body.errors).toEqual([{ field: 'content', messages: [expect.stringMatching(/JSON array/)] }]);
    });

    it('409 DUPLICATE for a name taken in the org; the same name in another org is fine', async () => {
      await create(world.editor, { name: 'dup', content: 'x' }).expect(201);
      const res = await create(world.admin, { name: 'dup', content: 'y' }).expect(409);
      expect(res.body.code).toBe('DUPLICATE');
      await create(world.outsider, { name: 'dup', content: 'z' }, otherBase).expect(201);
    });

    it('401 without credentials, 403 for a VIEWER, 404 for a non-member', async () => {
      await t.http().post(base).send({ name: 'x', content: 'y' }).expect(401);
      expect((await create(world.viewer, { name: 'x', content: 'y' }).expect(403)).body.code).toBe('FORBIDDEN');
      await create(world.outsider, { name: 'x', content: 'y' }).expect(404);
    });

    it("403 PLAN_LIMIT_REACHED past the FREE plan's 50 prompts", async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const rows = Array.from({ length: 50 }, (_, i) => ({ orgId: org.id, name: `p${i}`, content: 'c' }));
      await inOrg(t, org.id, (tx) => tx.prompt.createMany({ data: rows }));
      const res = await create(owner, { name: 'one-too-many', content: 'c' }, `/v1/orgs/${org.id}/prompts`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
    });
  });

  describe('GET /prompts and /prompts/{promptId}', () => {
    it('lists newest change first with cursor paging, filtered by status, tag and q', async () => {
      const tag = `t${unique()}`;
      const a = await prompt({ name: `list-a-${tag}`, tags: [tag] });
      const b = await prompt({ name: `list-b-${tag}`, tags: [tag], status: 'PUBLISHED' });
      const c = await prompt({ name: `list-c-${tag}`, tags: [tag] });
      const first = await t.http().get(`${base}?tag=${tag}&limit=2`).set(world.viewer.auth).expect(200);
      expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([c.id, b.id]);
      const second = await t
        .http()
        .get(`${base}?tag=${tag}&limit=2&cursor=${first.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(second.body).toEqual({ data: [expect.objectContaining({ id: a.id })], nextCursor: null });
      const published = await t.http().get(`${base}?tag=${tag}&status=PUBLISHED`).set(world.viewer.auth).expect(200);
      expect(published.body.data.map((p: { id: string }) => p.id)).toEqual([b.id]);
      const searched = await t.http().get(`${base}?q=LIST-A-${tag}`).set(world.viewer.auth).expect(200);
      expect(searched.body.data.map((p: { id: string }) => p.id)).toEqual([a.id]);
      await t.http().get(`${base}?status=NOPE`).set(world.viewer.auth).expect(400);
      await t.http().get(base).expect(401);
      await t.http().get(base).set(world.outsider.auth).expect(404);
    });

    it("gets one with its ETag; another org's id and a non-uuid are 404", async () => {
      const mine = await prompt();
      const got = await t.http().get(`${base}/${mine.id}`).set(world.viewer.auth).expect(200);
      expect(got.body).toEqual(mine);
      expect(got.headers.etag).toBe('"1"');
      const theirs = await prompt({}, otherBase, world.outsider);
      await t.http().get(`${base}/${theirs.id}`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/not-a-uuid`).set(world.owner.auth).expect(404);
    });
  });

  describe('PATCH and DELETE /prompts/{promptId}', () => {
    it('a content change makes a new version; a tag change does not; both bump the ETag', async () => {
      const p = await prompt({ content: 'v1 {{who}}' });
      const tagged = await patch(p.id, { tags: ['x'] }, '"1"').expect(200);
      expect(tagged.body).toMatchObject({ version: 2, latestVersion: 1, tags: ['x'] });
      expect(tagged.headers.etag).toBe('"2"');
      const changed = await patch(
        p.id,
        { content: 'v2 {{who}}', config: { temperature: 1, model: 'm' } },
        '"2"',
      ).expect(200);
      expect(changed.body).toMatchObject({
        version: 3,
        latestVersion: 2,
        content: 'v2 {{who}}',
        labels: { latest: 2 },
      });
      const v1 = await t.http().get(`${base}/${p.id}/versions/1`).set(world.viewer.auth).expect(200);
      expect(v1.body).toMatchObject({ version: 1, content: 'v1 {{who}}', config: null, labels: [] });
      const v2 = await t.http().get(`${base}/${p.id}/versions/2`).set(world.viewer.auth).expect(200);
      expect(v2.body).toMatchObject({ version: 2, content: 'v2 {{who}}', config: { temperature: 1, model: 'm' } });
      // The same content and config again (keys in another order) is no new version.
      const same = await patch(p.id, { content: 'v2 {{who}}', config: { model: 'm', temperature: 1 } }, '"3"').expect(
        200,
      );
      expect(same.body).toMatchObject({ version: 4, latestVersion: 2 });
      expect(await auditActions(p.id)).toEqual([
        'prompt.created',
        'prompt.updated',
        'prompt.updated',
        'prompt.updated',
      ]);
    });

    it('400 on null for fields that cannot be empty or on bad CHAT content, 428 without If-Match, 412 when stale', async () => {
      const p = await prompt();
      expect((await patch(p.id, { name: null }, '"1"').expect(400)).body.code).toBe('VALIDATION_FAILED');
      const nulls = await patch(p.id, { type: null, tags: null, status: null, content: null }, '"1"').expect(400);
      expect(nulls.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'content',
        'status',
        'tags',
        'type',
      ]);
      // config and description may be cleared.
      await patch(p.id, { config: null, description: null }, '"1"').expect(200);
      await patch(p.id, { content: 'x' }, '"1"').expect(412);
      await patch(p.id, { type: 'CHAT' }, '"1"').expect(400);
      await patch(p.id, { content: 'x' }, null).expect(428);
      await patch(p.id, { content: 'x' }, '"7"').expect(412);
      const again = await t.http().get(`${base}/${p.id}`).set(world.viewer.auth).expect(200);
      expect(again.body).toMatchObject({ version: 2, latestVersion: 1 });
    });

    it('two concurrent content changes with the same If-Match: one 200, one 412, one new version', async () => {
      const p = await prompt({ content: 'base' });
      const results = await Promise.all([
        patch(p.id, { content: 'left' }, '"1"'),
        patch(p.id, { content: 'right' }, '"1"'),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      const versions = await t.http().get(`${base}/${p.id}/versions`).set(world.viewer.auth).expect(200);
      expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    });

    it('401, 403 for a VIEWER, 404 for another org, 409 for a taken name', async () => {
      const p = await prompt();
      const other = await prompt();
      await t.http().patch(`${base}/${p.id}`).set('If-Match', '"1"').send({ content: 'x' }).expect(401);
      await patch(p.id, { content: 'x' }, '"1"', world.viewer).expect(403);
      const theirs = await prompt({}, otherBase, world.outsider);
      await patch(theirs.id, { content: 'x' }, '*', world.owner).expect(404);
      expect((await patch(p.id, { name: other.name }, '"1"').expect(409)).body.code).toBe('DUPLICATE');
    });

    it('deletes with its versions and labels (EDITOR, If-Match); 403 VIEWER, 404 other org and after', async () => {
      const p = await prompt();
      await t.http().put(`${base}/${p.id}/labels/production`).set(world.editor.auth).send({ version: 1 }).expect(200);
      const del = () => t.http().delete(`${base}/${p.id}`).set('If-Match', '"1"');
      await del().expect(401);
      await del().set(world.viewer.auth).expect(403);
      await del().set(world.editor.auth).expect(204);
      await del().set(world.editor.auth).expect(404);
      const left = await t.asOwner((db) =>
        db.query(
          `SELECT (SELECT count(*) FROM prompt_versions WHERE "promptId" = $1)::int AS v,
                  (SELECT count(*) FROM prompt_labels WHERE "promptId" = $1)::int AS l`,
          [p.id],
        ),
      );
      expect(left.rows).toEqual([{ v: 0, l: 0 }]);
      const theirs = await prompt({}, otherBase, world.outsider);
      await t.http().delete(`${base}/${theirs.id}`).set('If-Match', '*').set(world.owner.auth).expect(404);
    });
  });

  describe('versions and labels', () => {
    it('lists versions newest first with paging; unknown version or prompt is 404', async () => {
      const p = await prompt({ content: 'one' });
      await patch(p.id, { content: 'two' }, '"1"').expect(200);
      await patch(p.id, { content: 'three' }, '"2"').expect(200);
      const page = await t.http().get(`${base}/${p.id}/versions?limit=2`).set(world.viewer.auth).expect(200);
      expect(page.body.data.map((v: { version: number }) => v.version)).toEqual([3, 2]);
      const rest = await t
        .http()
        .get(`${base}/${p.id}/versions?limit=2&cursor=${page.body.nextCursor}`)
        .set(world.viewer.auth)
        .expect(200);
      expect(rest.body.data.map((v: { version: number }) => v.version)).toEqual([1]);
      await t.http().get(`${base}/${p.id}/versions/9`).set(world.viewer.auth).expect(404);
      await t.http().get(`${base}/${p.id}/versions/0`).set(world.viewer.auth).expect(404);
      await t.http().get(`${base}/${p.id}/versions?limit=0`).set(world.viewer.auth).expect(400);
      await t.http().get(`${base}/${p.id}/versions`).expect(401);
      const theirs = await prompt({}, otherBase, world.outsider);
      await t.http().get(`${base}/${theirs.id}/versions`).set(world.owner.auth).expect(404);
      await t.http().get(`${base}/${theirs.id}/versions/1`).set(world.owner.auth).expect(404);
    });

    it('PUT a label creates and moves it (audited); latest moves by itself and cannot be set', async () => {
      const p = await prompt({ content: 'one' });
      await patch(p.id, { content: 'two' }, '"1"').expect(200);
      const label = (name: string, body: Record<string, unknown>, user = world.editor) =>
        t.http().put(`${base}/${p.id}/labels/${name}`).set(user.auth).send(body);
      const set = await label('production', { version: 1 }).expect(200);
      expect(set.body).toMatchObject({ version: 1, content: 'one', labels: ['production'] });
      await label('production', { version: 2 }).expect(200);
      const got = await t.http().get(`${base}/${p.id}`).set(world.viewer.auth).expect(200);
      expect(got.body.labels).toEqual({ latest: 2, production: 2 });
      expect(got.body.version).toBe(2); // labels do not change the prompt's revision
      const labelId = (
        await t.asOwner((db) => db.query<{ id: string }>(`SELECT id FROM prompt_labels WHERE "promptId" = $1`, [p.id]))
      ).rows[0]!.id;
      expect(await auditActions(labelId)).toEqual(['prompt_label.created', 'prompt_label.updated']);
      expect((await label('latest', { version: 1 }).expect(400)).body.errors[0].field).toBe('label');
      await label('Bad Label', { version: 1 }).expect(400);
      await label('staging', { version: 'one' }).expect(400);
      await label('staging', { version: 5 }).expect(404);
      await t.http().put(`${base}/${p.id}/labels/staging`).send({ version: 1 }).expect(401);
      await label('staging', { version: 1 }, world.viewer).expect(403);
      const theirs = await prompt({}, otherBase, world.outsider);
      await t.http().put(`${base}/${theirs.id}/labels/staging`).set(world.owner.auth).send({ version: 1 }).expect(404);
    });
  });

  describe('by name and render', () => {
    let name: string;
    let id: string;

    beforeAll(async () => {
      await t
        .http()
        .post(`/v1/orgs/${world.org.id}/variables`)
        .set(world.editor.auth)
        .send({ key: 'company_name', value: 'Acme $& Labs' })
        .expect(201);
      name = `render-${unique()}`;
      const p = await prompt({ name, content: 'v1 for {{company_name}} in {{ language }}' });
      id = p.id;
      await patch(id, { content: 'v2 for {{company_name}} in {{language}}' }, '"1"').expect(200);
      await t.http().put(`${base}/${id}/labels/production`).set(world.editor.auth).send({ version: 1 }).expect(200);
    });

    it('serves the production version by name by default, or the label or version asked for', async () => {
      const url = `${base}/by-name/${name}`;
      const prod = await t.http().get(url).set(world.viewer.auth).expect(200);
      expect(prod.body).toMatchObject({ promptId: id, name, version: 1, labels: ['production'] });
      expect((await t.http().get(`${url}?label=latest`).set(world.viewer.auth).expect(200)).body.version).toBe(2);
      expect((await t.http().get(`${url}?version=2`).set(world.viewer.auth).expect(200)).body.version).toBe(2);
      await t.http().get(`${url}?label=staging`).set(world.viewer.auth).expect(404);
      await t.http().get(`${url}?label=Bad!`).set(world.viewer.auth).expect(400);
      await t.http().get(`${url}?label=production&version=1`).set(world.viewer.auth).expect(400);
      await t.http().get(`${base}/by-name/nope-${unique()}`).set(world.viewer.auth).expect(404);
      await t.http().get(url).expect(401);
      await t.http().get(url).set(world.outsider.auth).expect(404);
      // Another org's prompt of the same name is not this org's.
      await prompt({ name: `theirs-${name}` }, otherBase, world.outsider);
      await t.http().get(`${base}/by-name/theirs-${name}`).set(world.owner.auth).expect(404);
    });

    it('renders from the request first, then the org variables (values taken literally)', async () => {
      const res = await t
        .http()
        .post(`${base}/${id}/render`)
        .set(world.viewer.auth)
        .send({ variables: { language: 'French' }, label: 'production' })
        .expect(200);
      expect(res.body).toMatchObject({ promptId: id, version: 1, type: 'TEXT', text: 'v1 for Acme $& Labs in French' });
      const latest = await t
        .http()
        .post(`${base}/${id}/render`)
        .set(world.viewer.auth)
        .send({ variables: { language: 'German', company_name: 'Override' } })
        .expect(200);
      expect(latest.body.text).toBe('v2 for Override in German');
    });

    it('422 MISSING_VARIABLE names each placeholder without a value; 400 on a non-string value', async () => {
      const res = await t.http().post(`${base}/${id}/render`).set(world.viewer.auth).send({}).expect(422);
      expect(res.body).toMatchObject({
        code: 'MISSING_VARIABLE',
        errors: [{ field: 'variables.language', messages: ['language has no value'] }],
      });
      expect(res.body.detail).toContain('{{language}}');
      const bad = await t
        .http()
        .post(`${base}/${id}/render`)
        .set(world.viewer.auth)
        .send({ variables: { language: 3 } })
        .expect(400);
      expect(bad.body.errors).toEqual([
        { field: 'variables.language', messages: [expect.stringContaining('must be a string')] },
      ]);
      await t.http().post(`${base}/${id}/render`).set(world.viewer.auth).send({ version: 0 }).expect(400);
    });

    it('renders CHAT prompts message by message, so a value cannot break the JSON', async () => {
      const chat = await prompt({
        type: 'CHAT',
        content: JSON.stringify([
          { role: 'system', content: 'You are {{company_name}}' },
          { role: 'user', content: '{{question}}' },
        ]),
      });
      const res = await t
        .http()
        .post(`${base}/${chat.id}/render`)
        .set(world.viewer.auth)
        .send({ variables: { question: 'say "hi"' } })
        .expect(200);
      expect(res.body.messages).toEqual([
        { role: 'system', content: 'You are Acme $& Labs' },
        { role: 'user', content: 'say "hi"' },
      ]);
      expect(JSON.parse(res.body.text)).toEqual(res.body.messages);
    });

    it('401 anonymous, 404 for a non-member and for another org’s prompt', async () => {
      await t.http().post(`${base}/${id}/render`).send({}).expect(401);
      await t.http().post(`${base}/${id}/render`).set(world.outsider.auth).send({}).expect(404);
      const theirs = await prompt({}, otherBase, world.outsider);
      await t.http().post(`${base}/${theirs.id}/render`).set(world.owner.auth).send({}).expect(404);
    });

    it('an API key with prompts:read fetches and renders the production prompt, and cannot write', async () => {
      const key = await apiKey(world.org.id, ['prompts:read']);
      const fetched = await t.http().get(`${base}/by-name/${name}`).set(key).expect(200);
      expect(fetched.body.version).toBe(1);
      const rendered = await t
        .http()
        .post(`${base}/${id}/render`)
        .set(key)
        .send({ label: 'production', variables: { language: 'English' } })
        .expect(200);
      expect(rendered.body.text).toBe('v1 for Acme $& Labs in English');
      await create(world.viewer, {}).expect(403);
      await t.http().post(base).set(key).send({ name: 'by-key', content: 'x' }).expect(403);
      const writeOnly = await apiKey(world.org.id, ['prompts:write']);
      await t.http().post(`${base}/${id}/render`).set(writeOnly).send({}).expect(403);
    });
  });

  describe('POST /prompts/{promptId}/duplicate', () => {
    it('copies the current content as a new DRAFT prompt at version 1', async () => {
      const p = await prompt({ content: 'one', tags: ['a'], status: 'PUBLISHED', config: { t: 1 } });
      await patch(p.id, { content: 'two' }, '"1"').expect(200);
      const copy = await t
        .http()
        .post(`${base}/${p.id}/duplicate`)
        .set(world.editor.auth)
        .send({ name: `copy-${unique()}` })
        .expect(201);
      expect(copy.body).toMatchObject({
        content: 'two',
        tags: ['a'],
        config: { t: 1 },
        status: 'DRAFT',
        version: 1,
        latestVersion: 1,
        labels: { latest: 1 },
      });
      expect(copy.body.id).not.toBe(p.id);
      expect(copy.headers.etag).toBe('"1"');
    });

    it('400 without a name, 401, 403 VIEWER, 404 other org, 409 for a taken name', async () => {
      const p = await prompt();
      const dup = (body: Record<string, unknown>, user?: TestUser, promptId = p.id) => {
        const req = t.http().post(`${base}/${promptId}/duplicate`);
        return (user ? req.set(user.auth) : req).send(body);
      };
      await dup({}, world.editor).expect(400);
      await dup({ name: 'x' }).expect(401);
      await dup({ name: `v-${unique()}` }, world.viewer).expect(403);
      const theirs = await prompt({}, otherBase, world.outsider);
      await dup({ name: `o-${unique()}` }, world.owner, theirs.id).expect(404);
      expect((await dup({ name: p.name }, world.editor).expect(409)).body.code).toBe('DUPLICATE');
    });
  });
});
