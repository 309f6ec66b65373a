import { createHash, randomUUID } from 'node:crypto';
import { createOrg, memberOf, orgWithEveryRole, type HasDatabase } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * What the chat, agents and canvases migration (issue 10) makes the database hold on its own,
 * below any service: conversations, messages and attachments private to their creator inside the
 * org, branches that stay inside their conversation, canvases tied to a version of their own
 * model, share links that only the creator makes and that read their target while live, and
 * finished executions that keep their status.
 */
type Tx = Parameters<Parameters<HasDatabase['prisma']['$transaction']>[0]>[0];
interface Scope {
  orgId?: string;
  userId?: string;
  token?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('chat, agents and canvases schema (e2e)', () => {
  let t: TestApp;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let orgId: string;

  beforeAll(async () => {
    t = await createTestApp();
    world = await orgWithEveryRole(t);
    orgId = world.org.id;
  });
  afterAll(() => t.close());

  /** As the server's role with the settings a request would carry (a token: a share link's). */
  const as = <T>(scope: Scope, work: (tx: Tx) => Promise<T>) =>
    t.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.org_id', ${scope.orgId ?? ''}, true),
        set_config('app.user_id', ${scope.userId ?? ''}, true),
        set_config('app.token_hash', ${scope.token ? sha256(scope.token) : ''}, true)`;
      return work(tx);
    });
  const member = (userId: string): Scope => ({ orgId, userId });
  const ownerSql = (sql: string, params: unknown[] = []) => t.asOwner((db) => db.query(sql, params));

  /** A conversation of `userId` with one message and one attachment. */
  async function conversationOf(userId: string) {
    return as(member(userId), async (tx) => {
      const conversation = await tx.conversation.create({ data: { orgId, userId } });
      const message = await tx.message.create({
        data: { orgId, conversationId: conversation.id, userId, role: 'USER', content: 'hello' },
      });
      const attachment = await tx.attachment.create({
        data: {
          orgId,
          conversationId: conversation.id,
          messageId: message.id,
          uploadedByUserId: userId,
          fileName: 'notes.txt',
          contentType: 'text/plain',
          sizeBytes: 5,
          storageKey: `test/${randomUUID()}`,
          sha256: sha256('notes'),
        },
      });
      return { conversation, message, attachment };
    });
  }

  /** What `scope` reads of one conversation: [conversations, messages, attachments] counts. */
  const readable = (scope: Scope, conversationId: string) =>
    as(scope, (tx) =>
      Promise.all([
        tx.conversation.count({ where: { id: conversationId } }),
        tx.message.count({ where: { conversationId } }),
        tx.attachment.count({ where: { conversationId } }),
      ]),
    );

  it('forces row-level security on the new tables', async () => {
    const { rows } = await ownerSql(
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
       WHERE relname IN ('conversation_templates', 'attachments', 'share_links') ORDER BY relname`,
    );
    expect(rows).toEqual(
      ['attachments', 'conversation_templates', 'share_links'].map((relname) => ({
        relname,
        relrowsecurity: true,
        relforcerowsecurity: true,
      })),
    );
  });

  it('keeps a conversation, its messages and attachments from other members, whatever their role, until shared (read only)', async () => {
    const { conversation } = await conversationOf(world.editor.id);
    expect(await readable(member(world.editor.id), conversation.id)).toEqual([1, 1, 1]);
    expect(await readable(member(world.owner.id), conversation.id)).toEqual([0, 0, 0]);
    expect(await readable({ orgId }, conversation.id)).toEqual([0, 0, 0]);

    await as(member(world.editor.id), (tx) =>
      tx.conversation.update({ where: { id: conversation.id }, data: { sharedWithOrg: true } }),
    );
    expect(await readable(member(world.owner.id), conversation.id)).toEqual([1, 1, 1]);
    // Shared is read-only: another member adds no attachment (nor message) to it.
    await expect(
      as(member(world.owner.id), (tx) =>
        tx.attachment.create({
          data: {
            orgId,
            conversationId: conversation.id,
            uploadedByUserId: world.owner.id,
            fileName: 'x.txt',
            contentType: 'text/plain',
            sizeBytes: 1,
            storageKey: `test/${randomUUID()}`,
            sha256: sha256('x'),
          },
        }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('refuses a parent message from another conversation, a changed parent and a message its own parent', async () => {
    const a = await conversationOf(world.editor.id);
    const b = await conversationOf(world.editor.id);
    const reply = (conversationId: string, parentId: string) =>
      as(member(world.editor.id), (tx) =>
        tx.message.create({ data: { orgId, conversationId, parentId, role: 'ASSISTANT', content: 'hi' } }),
      );
    await expect(reply(b.conversation.id, a.message.id)).rejects.toMatchObject({ code: 'P2003' });
    const sibling = await reply(a.conversation.id, a.message.id);
    expect(sibling.parentId).toBe(a.message.id);

    const reparent = (parentId: string) =>
      as(member(world.editor.id), (tx) => tx.message.update({ where: { id: sibling.id }, data: { parentId } }));
    await expect(reparent(sibling.id)).rejects.toThrow(/messages_parent_not_self/);
    const other = await reply(a.conversation.id, a.message.id);
    await expect(reparent(other.id)).rejects.toThrow(/messages_parent_fixed/);
    // An attachment names a message of its own conversation only.
    await expect(
      as(member(world.editor.id), (tx) =>
        tx.attachment.update({ where: { id: b.attachment.id }, data: { messageId: a.message.id } }),
      ),
    ).rejects.toMatchObject({ code: 'P2003' });
  });

  it('refuses a canvas whose modelVersion is not a version of its model, and keeps versions unchanged', async () => {
    const editor = member(world.editor.id);
    const [first, second] = await as(editor, async (tx) => {
      const models = [];
      for (const version of [1, 2]) {
        const model = await tx.canvasModel.create({ data: { orgId, name: `m-${randomUUID()}` } });
        await tx.canvasModelVersion.create({ data: { orgId, modelId: model.id, version, schema: {} } });
        models.push(model);
      }
      return models;
    });
    const canvas = (modelId: string | null, modelVersion: number) =>
      as(editor, (tx) =>
        tx.canvas.create({
          data: { orgId, name: 'c', createdByUserId: world.editor.id, modelId, modelVersion },
        }),
      );
    // Version 2 exists, but of the second model.
    await expect(canvas(first.id, 2)).rejects.toMatchObject({ code: 'P2003' });
    await expect(canvas(null, 1)).rejects.toThrow(/canvases_model_version_needs_model/);
    expect((await canvas(first.id, 1)).modelVersion).toBe(1);
    await expect(
      as(editor, (tx) =>
        tx.canvasModelVersion.updateMany({ where: { modelId: second.id }, data: { schema: { type: 'object' } } }),
      ),
    ).rejects.toThrow(/canvas_model_versions_immutable/);
  });

  it('lets only the creator share, keeps tokens unique, and reads the target by a live link alone', async () => {
    const { conversation } = await conversationOf(world.editor.id);
    const token = `tok-${randomUUID()}`;
    const link = (userId: string, tokenText: string) =>
      as(member(userId), (tx) =>
        tx.shareLink.create({
          data: { orgId, conversationId: conversation.id, tokenHash: sha256(tokenText), createdByUserId: userId },
        }),
      );
    // Another member (an OWNER even, who cannot see it) makes no link to it.
    await expect(link(world.owner.id, `tok-${randomUUID()}`)).rejects.toThrow(/share_links_by_target_creator/);
    const made = await link(world.editor.id, token);
    await expect(link(world.editor.id, token)).rejects.toMatchObject({ code: 'P2002' });

    // The token alone finds the link (and its org); with the org as well, the conversation.
    const found = await as({ token }, (tx) => tx.shareLink.findMany({ select: { id: true, orgId: true } }));
    expect(found).toEqual([{ id: made.id, orgId }]);
    expect(await readable({ orgId, token }, conversation.id)).toEqual([1, 1, 1]);
    expect(await readable({ orgId, token: 'not-the-token' }, conversation.id)).toEqual([0, 0, 0]);
    // Nobody else sees the creator's links without the token.
    expect(await as(member(world.owner.id), (tx) => tx.shareLink.count({ where: { id: made.id } }))).toBe(0);

    await as(member(world.editor.id), (tx) =>
      tx.shareLink.update({ where: { id: made.id }, data: { revokedAt: new Date() } }),
    );
    expect(await readable({ orgId, token }, conversation.id)).toEqual([0, 0, 0]);

    const expired = `tok-${randomUUID()}`;
    await as(member(world.editor.id), (tx) =>
      tx.shareLink.create({
        data: {
          orgId,
          conversationId: conversation.id,
          tokenHash: sha256(expired),
          createdByUserId: world.editor.id,
          expiresAt: new Date(Date.now() - 1000),
        },
      }),
    );
    expect(await readable({ orgId, token: expired }, conversation.id)).toEqual([0, 0, 0]);
  });

  it("refuses a share link into another org's conversation, and one with both or no target", async () => {
    const { conversation } = await conversationOf(world.editor.id);
    const insert = (linkOrg: string, conversationId: string | null, canvasId: string | null) =>
      ownerSql(
        `INSERT INTO share_links (id, "orgId", "conversationId", "canvasId", "tokenHash", "createdByUserId")
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)`,
        [linkOrg, conversationId, canvasId, sha256(randomUUID()), world.editor.id],
      );
    // The row rule finds no such conversation in that org (the composite key would refuse it next).
    await expect(insert(world.otherOrg.id, conversation.id, null)).rejects.toThrow(/share_links_by_target_creator/);
    const { rows } = await ownerSql(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'share_links_orgId_conversationId_fkey'`,
    );
    expect(rows).toEqual([
      { def: expect.stringContaining('FOREIGN KEY ("orgId", "conversationId") REFERENCES conversations("orgId", id)') },
    ]);
    await expect(insert(orgId, null, null)).rejects.toThrow(/share_links_one_target/);
  });

  it('shows a LINK canvas to its creator and link holders only', async () => {
    const editor = member(world.editor.id);
    const canvas = await as(editor, (tx) =>
      tx.canvas.create({ data: { orgId, name: 'c', createdByUserId: world.editor.id, visibility: 'LINK' } }),
    );
    const token = `tok-${randomUUID()}`;
    await as(editor, (tx) =>
      tx.shareLink.create({
        data: { orgId, canvasId: canvas.id, tokenHash: sha256(token), createdByUserId: world.editor.id },
      }),
    );
    const sees = (scope: Scope) => as(scope, (tx) => tx.canvas.count({ where: { id: canvas.id } }));
    expect(await sees(editor)).toBe(1);
    expect(await sees(member(world.admin.id))).toBe(0);
    expect(await sees({ orgId, token })).toBe(1);
    // Made PRIVATE again, its links stop reading it.
    await as(editor, (tx) => tx.canvas.update({ where: { id: canvas.id }, data: { visibility: 'PRIVATE' } }));
    expect(await sees({ orgId, token })).toBe(0);
  });

  it("erases a user's LINK canvases with their account and revokes the links they gave to org canvases", async () => {
    const gone = await memberOf(t, orgId, 'VIEWER');
    const scope = member(gone.id);
    const [linkCanvas, orgCanvas] = await as(scope, async (tx) => {
      const canvases = [];
      for (const visibility of ['LINK', 'ORG'] as const) {
        const canvas = await tx.canvas.create({ data: { orgId, name: 'c', createdByUserId: gone.id, visibility } });
        await tx.shareLink.create({
          data: { orgId, canvasId: canvas.id, tokenHash: sha256(randomUUID()), createdByUserId: gone.id },
        });
        canvases.push(canvas);
      }
      return canvases;
    });
    await t.http().delete('/v1/me').set(gone.auth).send({ password: gone.password }).expect(204);
    const canvases = await ownerSql(`SELECT id FROM canvases WHERE id = ANY($1::uuid[])`, [
      [linkCanvas.id, orgCanvas.id],
    ]);
    expect(canvases.rows).toEqual([{ id: orgCanvas.id }]);
    const links = await ownerSql(
      `SELECT "canvasId", "revokedAt" IS NOT NULL AS revoked FROM share_links WHERE "createdByUserId" = $1`,
      [gone.id],
    );
    expect(links.rows).toEqual([{ canvasId: orgCanvas.id, revoked: true }]);
  });

  it('keeps a conversation (and its org) when its provider key is deleted', async () => {
    const admin = member(world.admin.id);
    const key = await as(admin, (tx) =>
      tx.providerKey.create({
        data: { orgId, provider: 'OPENAI', name: 'k', encryptedKey: 'v1:test', last4: 'abcd' },
      }),
    );
    const conversation = await as(member(world.editor.id), (tx) =>
      tx.conversation.create({ data: { orgId, userId: world.editor.id, providerKeyId: key.id } }),
    );
    await as(admin, (tx) => tx.providerKey.delete({ where: { id: key.id } }));
    const { rows } = await ownerSql(`SELECT "orgId", "providerKeyId" FROM conversations WHERE id = $1`, [
      conversation.id,
    ]);
    expect(rows).toEqual([{ orgId, providerKeyId: null }]);
  });

  it('sums chat usage per user and model: everyone for ADMIN+ and API keys, oneself for others', async () => {
    const usageOrg = await createOrg(t, world.owner);
    const viewer = await memberOf(t, usageOrg.id, 'VIEWER');
    const reply = (userId: string, model: string, inputTokens: number, outputTokens: number, costUsd: string) =>
      as({ orgId: usageOrg.id, userId }, async (tx) => {
        const conversation = await tx.conversation.create({ data: { orgId: usageOrg.id, userId } });
        await tx.message.createMany({
          data: [
            { orgId: usageOrg.id, conversationId: conversation.id, userId, role: 'USER', content: 'q' },
            {
              orgId: usageOrg.id,
              conversationId: conversation.id,
              role: 'ASSISTANT',
              content: 'a',
              model,
              inputTokens,
              outputTokens,
              costUsd,
            },
          ],
        });
      });
    await reply(world.owner.id, 'gpt-a', 10, 20, '0.5');
    await reply(world.owner.id, 'gpt-a', 1, 2, '0.25');
    await reply(viewer.id, 'claude-b', 3, 4, '1');
    const usage = (userId: string | null) =>
      as(
        { orgId: usageOrg.id, userId: userId ?? undefined },
        (tx) =>
          tx.$queryRaw<{ userId: string; model: string; messages: bigint; inputTokens: bigint; costUsd: string }[]>`
          SELECT "userId", model, sum(messages)::bigint AS messages, sum("inputTokens")::bigint AS "inputTokens",
            sum("costUsd")::text AS "costUsd"
          FROM app_chat_usage(now() - interval '1 hour', now() + interval '1 hour') GROUP BY 1, 2 ORDER BY 2`,
      );
    const all = [
      { userId: viewer.id, model: 'claude-b', messages: 1n, inputTokens: 3n, costUsd: '1.000000' },
      { userId: world.owner.id, model: 'gpt-a', messages: 2n, inputTokens: 11n, costUsd: '0.750000' },
    ];
    expect(await usage(world.owner.id)).toEqual(all);
    expect(await usage(null)).toEqual(all);
    expect(await usage(viewer.id)).toEqual([all[0]]);
  });

  it("leaves the storage key of every deleted attachment for the sweep, out of the app role's reach", async () => {
    const { conversation, attachment } = await conversationOf(world.editor.id);
    await as(member(world.editor.id), (tx) => tx.conversation.delete({ where: { id: conversation.id } }));
    await expect(as(member(world.editor.id), (tx) => tx.orphanedFile.count())).resolves.toBe(0);
    const taken = await as(
      {},
      (tx) => tx.$queryRaw<{ storageKey: string }[]>`SELECT "storageKey" FROM app_take_orphaned_files(1000)`,
    );
    expect(taken.map((row) => row.storageKey)).toContain(attachment.storageKey);
  });

  it('keeps a finished execution as it finished', async () => {
    const editor = member(world.editor.id);
    const execution = await as(editor, async (tx) => {
      const agent = await tx.agent.create({ data: { orgId, name: 'a', agentType: 'CUSTOM' } });
      return tx.execution.create({ data: { orgId, agentId: agent.id, agentVersion: 1, status: 'CANCELLED' } });
    });
    await expect(
      as(editor, (tx) => tx.execution.update({ where: { id: execution.id }, data: { status: 'SUCCEEDED' } })),
    ).rejects.toThrow(/executions_final_status/);
  });
});
