import { createHash, randomUUID } from 'node:crypto';
import { orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

const SCHEMA = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('share links (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let orgBase: string;
  let modelId: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    orgBase = `/v1/orgs/${world.org.id}`;
    const models = `${orgBase}/canvas-models`;
    const model = await t.http().post(models).set(world.editor.auth).send({ name: 'm', schema: SCHEMA }).expect(201);
    await t.http().post(`${models}/${model.body.id}/publish`).set(world.editor.auth).set('If-Match', '*').expect(200);
    modelId = model.body.id;
  });
  afterAll(() => t.close());

  const ownerSql = (sql: string, params: unknown[] = []) => t.asOwner((db) => db.query(sql, params));

  /** A conversation of `user` with a question and its answer (made in SQL: the chat routes are another module's). */
  async function conversationOf(user: TestUser, options: { sharedWithOrg?: boolean; orgId?: string } = {}) {
    const id = randomUUID();
    const orgId = options.orgId ?? world.org.id;
    await ownerSql(
      `INSERT INTO conversations (id, "orgId", "userId", title, model, "sharedWithOrg", "updatedAt")
       VALUES ($1, $2, $3, 'Pricing ideas', 'gpt-test', $4, now())`,
      [id, orgId, user.id, options.sharedWithOrg ?? false],
    );
    const question = randomUUID();
    await ownerSql(
      `INSERT INTO messages (id, "orgId", "conversationId", "userId", role, content, "createdAt")
       VALUES ($1, $2, $3, $4, 'USER', 'How should we price?', now() - interval '1 minute')`,
      [question, orgId, id, user.id],
    );
    await ownerSql(
      `INSERT INTO messages (id, "orgId", "conversationId", "parentId", role, content, model, "inputTokens")
       VALUES ($1, $2, $3, $4, 'ASSISTANT', 'By value.', 'gpt-test', 12)`,
      [randomUUID(), orgId, id, question],
    );
    return id;
  }

  const canvasOf = async (user: TestUser, visibility: 'PRIVATE' | 'ORG' | 'LINK') =>
    (
      await t
        .http()
        .post(`${orgBase}/canvases`)
        .set(user.auth)
        .send({ name: `c-${unique()}`, modelId, data: { title: 'Shared canvas' }, visibility })
        .expect(201)
    ).body as { id: string };

  const share = (path: string, user: TestUser | { Authorization: string }, body: Record<string, unknown> = {}) =>
    t
      .http()
      .post(`${orgBase}/${path}/share`)
      .set('Authorization' in user ? user : user.auth)
      .send(body);
  const shared = (token: string, auth?: { Authorization: string }) => {
    const req = t.http().get(`/v1/shared/${token}`);
    return auth ? req.set(auth) : req;
  };
  const setFlags = (flags: Record<string, boolean>) =>
    t.http().put(`${orgBase}/feature-flags`).set(world.admin.auth).send({ flags }).expect(200);
  const auditActions = async (id: string) =>
    (await ownerSql(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [id])).rows.map(
      (r) => r.action as string,
    );

  describe('conversation links', () => {
    it('the creator shares a conversation; the token reads it without credentials, is shown once and stored hashed', async () => {
      const conversation = await conversationOf(world.viewer);
      const res = await share(`conversations/${conversation}`, world.viewer).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        type: 'conversation',
        targetId: conversation,
        token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        // APP_URL's page for the token (the pair runs with another APP_URL than the test app).
        url: expect.stringMatching(new RegExp(`^https?://[^/]+/shared/${res.body.token}$`)),
        expiresAt: null,
        revokedAt: null,
        createdAt: expect.any(String),
      });
      const { token } = res.body;
      // Only the SHA-256 is stored: no column holds the token.
      const row = (await ownerSql(`SELECT * FROM share_links WHERE id = $1`, [res.body.id])).rows[0];
      expect(row.tokenHash).toBe(sha256(token));
      expect(JSON.stringify(row)).not.toContain(token);
      const snapshot = await shared(token).expect(200);
      expect(snapshot.body).toEqual({
        type: 'conversation',
        conversation: {
          title: 'Pricing ideas',
          model: 'gpt-test',
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
        messages: [
          expect.objectContaining({ role: 'USER', content: 'How should we price?', parentId: null }),
          expect.objectContaining({ role: 'ASSISTANT', content: 'By value.', model: 'gpt-test', incomplete: false }),
        ],
        expiresAt: null,
      });
      expect(snapshot.body.messages[1].parentId).toBe(snapshot.body.messages[0].id);
      // Anonymous, and still counted against the per-address budget like every public route.
      expect(snapshot.headers['x-ratelimit-limit']).toBeDefined();
      // No user ids, tokens or usage in the snapshot.
      expect(JSON.stringify(snapshot.body)).not.toContain(world.viewer.id);
      expect(snapshot.body.messages[0]).not.toHaveProperty('userId');
      // The list shows the link without its token.
      const list = await t
        .http()
        .get(`${orgBase}/conversations/${conversation}/share`)
        .set(world.viewer.auth)
        .expect(200);
      expect(list.body).toEqual({
        data: [expect.objectContaining({ id: res.body.id, revokedAt: null })],
        nextCursor: null,
      });
      expect(list.body.data[0]).not.toHaveProperty('token');
      expect(await auditActions(res.body.id)).toEqual(['share_link.created']);
      const audit = (await ownerSql(`SELECT after FROM audit_logs WHERE "resourceId" = $1`, [res.body.id])).rows[0];
      expect(JSON.stringify(audit.after)).not.toContain(sha256(token));
    });

    it('only the creator shares or lists: 404 for a private conversation of another member, 403 for one shared with the org', async () => {
      const privateOne = await conversationOf(world.viewer);
      for (const other of [world.owner, world.editor]) {
        await share(`conversations/${privateOne}`, other).expect(404);
        await t.http().get(`${orgBase}/conversations/${privateOne}/share`).set(other.auth).expect(404);
      }
      const orgOne = await conversationOf(world.viewer, { sharedWithOrg: true });
      expect((await share(`conversations/${orgOne}`, world.owner).expect(403)).body.code).toBe('FORBIDDEN');
      await share(`conversations/${randomUUID()}`, world.viewer).expect(404);
    });

    it('400 on invalid bodies, 401 without credentials, 404 across orgs; API keys share nothing (403)', async () => {
      const conversation = await conversationOf(world.viewer);
      const path = `conversations/${conversation}`;
      const bad = await share(path, world.viewer, { expiresAt: 'tomorrow', extra: 1 }).expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['expiresAt', 'extra']);
      const past = await share(path, world.viewer, { expiresAt: '2020-01-01T00:00:00Z' }).expect(400);
      expect(past.body.errors).toEqual([{ field: 'expiresAt', messages: ['expiresAt must be in the future'] }]);
      await t.http().post(`${orgBase}/${path}/share`).send({}).expect(401);
      await share(path, world.outsider).expect(404);
      await t.http().post(`/v1/orgs/${world.otherOrg.id}/${path}/share`).set(world.outsider.auth).send({}).expect(404);
      const key = await serviceApiKey(t, world.org.id, ['canvases:write']);
      await share(path, key).expect(403);
    });

    it('the chat flag switches conversation links off (403 FEATURE_DISABLED, and their tokens 404); canvas links keep working', async () => {
      const conversation = await conversationOf(world.viewer);
      const { token } = (await share(`conversations/${conversation}`, world.viewer).expect(201)).body;
      const canvas = await canvasOf(world.viewer, 'LINK');
      const canvasLink = (await share(`canvases/${canvas.id}`, world.viewer).expect(201)).body;
      await setFlags({ chat: false });
      try {
        const off = await share(`conversations/${conversation}`, world.viewer).expect(403);
        expect(off.body.code).toBe('FEATURE_DISABLED');
        await shared(token).expect(404);
        await shared(canvasLink.token).expect(200);
        await share(`canvases/${canvas.id}`, world.viewer).expect(201);
      } finally {
        await setFlags({});
      }
      await shared(token).expect(200);
    });
  });

  describe('canvas links', () => {
    it('409 NOT_SHAREABLE for a PRIVATE canvas; a LINK canvas is shared; making it PRIVATE again stops its links', async () => {
      const privateCanvas = await canvasOf(world.viewer, 'PRIVATE');
      expect((await share(`canvases/${privateCanvas.id}`, world.viewer).expect(409)).body.code).toBe('NOT_SHAREABLE');
      const canvas = await canvasOf(world.viewer, 'LINK');
      const link = (
        await share(`canvases/${canvas.id}`, world.viewer, { expiresAt: '2099-01-01T00:00:00Z' }).expect(201)
      ).body;
      expect(link).toMatchObject({ type: 'canvas', targetId: canvas.id, expiresAt: '2099-01-01T00:00:00.000Z' });
      const snapshot = await shared(link.token).expect(200);
      expect(snapshot.body).toEqual({
        type: 'canvas',
        canvas: {
          name: expect.any(String),
          description: null,
          data: { title: 'Shared canvas' },
          modelName: 'm',
          modelVersion: 1,
          updatedAt: expect.any(String),
        },
        expiresAt: '2099-01-01T00:00:00.000Z',
      });
      const canvasUrl = `${orgBase}/canvases/${canvas.id}`;
      await t
        .http()
        .patch(canvasUrl)
        .set(world.viewer.auth)
        .set('If-Match', '*')
        .send({ visibility: 'PRIVATE' })
        .expect(200);
      await shared(link.token).expect(404);
      await t
        .http()
        .patch(canvasUrl)
        .set(world.viewer.auth)
        .set('If-Match', '*')
        .send({ visibility: 'ORG' })
        .expect(200);
      await shared(link.token).expect(200);
      // A soft-deleted canvas is not shown, nor shared.
      await t.http().delete(canvasUrl).set(world.viewer.auth).set('If-Match', '*').expect(204);
      await shared(link.token).expect(404);
      await share(`canvases/${canvas.id}`, world.viewer).expect(404);
    });

    it('only the creator shares a canvas: 403 for an ORG canvas of another member, 404 for a LINK one', async () => {
      const orgCanvas = await canvasOf(world.viewer, 'ORG');
      await share(`canvases/${orgCanvas.id}`, world.owner).expect(403);
      const linkCanvas = await canvasOf(world.viewer, 'LINK');
      await share(`canvases/${linkCanvas.id}`, world.owner).expect(404);
      await t.http().get(`${orgBase}/canvases/${linkCanvas.id}/share`).set(world.owner.auth).expect(404);
      await share(`canvases/${linkCanvas.id}`, world.outsider).expect(404);
    });
  });

  describe('revoking, expiry and the public route', () => {
    it('DELETE /share-links/{id} revokes (audited); the token then answers 404 as an unknown one does', async () => {
      const canvas = await canvasOf(world.editor, 'LINK');
      const link = (await share(`canvases/${canvas.id}`, world.editor).expect(201)).body;
      const url = `${orgBase}/share-links/${link.id}`;
      await t.http().delete(url).expect(401);
      await t.http().delete(url).set(world.owner.auth).expect(404); // someone else's link
      await t
        .http()
        .delete(`/v1/orgs/${world.otherOrg.id}/share-links/${link.id}`)
        .set(world.outsider.auth)
        .expect(404);
      await t.http().delete(url).set(world.editor.auth).expect(204);
      const gone = await shared(link.token).expect(404);
      const unknown = await shared('A'.repeat(43)).expect(404);
      expect(gone.body.detail).toBe(unknown.body.detail);
      await shared('short').expect(404);
      await t.http().delete(url).set(world.editor.auth).expect(204); // again: nothing changes
      await t.http().delete(`${orgBase}/share-links/${randomUUID()}`).set(world.editor.auth).expect(404);
      expect(await auditActions(link.id)).toEqual(['share_link.created', 'share_link.revoked']);
      const list = await t.http().get(`${orgBase}/canvases/${canvas.id}/share`).set(world.editor.auth).expect(200);
      expect(list.body.data[0].revokedAt).not.toBeNull();
    });

    it('an expired link answers 404', async () => {
      const canvas = await canvasOf(world.editor, 'LINK');
      const link = (await share(`canvases/${canvas.id}`, world.editor).expect(201)).body;
      await ownerSql(`UPDATE share_links SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [link.id]);
      await shared(link.token).expect(404);
    });

    it('with sharedLinksRequireSignIn the reader must be signed in (any account: 401 otherwise)', async () => {
      const canvas = await canvasOf(world.editor, 'LINK');
      const { token } = (await share(`canvases/${canvas.id}`, world.editor).expect(201)).body;
      await setFlags({ sharedLinksRequireSignIn: true });
      try {
        expect((await shared(token).expect(401)).body.code).toBe('UNAUTHENTICATED');
        const stranger = await signUp(t); // a member of no org at all
        expect((await shared(token, stranger.auth).expect(200)).body.type).toBe('canvas');
        await shared(token, { Authorization: 'Bearer not-a-token' }).expect(401);
        const key = await serviceApiKey(t, world.org.id, ['canvases:read']);
        await shared(token, key).expect(401); // an API key is not an account
        await shared('A'.repeat(43)).expect(404); // an unknown token is still a 404
      } finally {
        await setFlags({});
      }
      await shared(token).expect(200);
    });
  });
});
