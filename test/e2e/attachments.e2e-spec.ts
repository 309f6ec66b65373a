import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DbContext } from '../../src/database/db-context';
import { MessageAttachments } from '../../src/modules/attachments/message-attachments';
import { OrphanedFilesSweep } from '../../src/modules/attachments/orphaned-files.sweep';
import { orgWithEveryRole, serviceApiKey, type TestUser } from '../factories';
import { startS3Server, type S3Server } from '../support/s3-server';
import { withFlagOff } from '../support/feature-flags';
import { createTestApp, type TestApp } from '../support/test-app';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452', 'hex'),
  Buffer.alloc(24, 1),
]);
const MAX_BYTES = 4096;

interface Backend {
  env: Record<string, string>;
  /** Whether the stored file of this key exists, looked up behind the app. */
  stored(key: string): Promise<boolean>;
  close(): Promise<void>;
}

async function dataDirBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), 'orgbase-data-'));
  return {
    env: { DATA_DIR: dir },
    stored: async (key) => existsSync(join(dir, 'attachments', ...key.split('/'))),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function s3Backend(): Promise<Backend> {
  const server: S3Server = await startS3Server();
  const client = new S3Client({
    endpoint: server.env.S3_URL,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    env: server.env,
    stored: async (key) => {
      try {
        await client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `attachments/${key}` }));
        return true;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
        throw error;
      }
    },
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

describe.each([
  ['DATA_DIR', dataDirBackend],
  ['S3 (s3rver)', s3Backend],
])('attachments on %s (e2e)', (_name, makeBackend) => {
  let t: TestApp;
  let backend: Backend;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  /** The editor's private conversation. */
  let conversationId: string;
  let base: string;

  const sql = <R extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
    t.asOwner((db) => db.query<R>(text, values));
  const conversation = async (orgId: string, userId: string, sharedWithOrg = false) => {
    const id = randomUUID();
    await sql(
      `INSERT INTO conversations (id, "orgId", "userId", "sharedWithOrg", "updatedAt") VALUES ($1, $2, $3, $4, now())`,
      [id, orgId, userId, sharedWithOrg],
    );
    return id;
  };
  const message = async (conversation: string) => {
    const id = randomUUID();
    await sql(`INSERT INTO messages (id, "orgId", "conversationId", role, content) VALUES ($1, $2, $3, 'USER', 'hi')`, [
      id,
      world.org.id,
      conversation,
    ]);
    return id;
  };
  const storageKey = async (id: string) =>
    (await sql<{ storageKey: string }>(`SELECT "storageKey" FROM attachments WHERE id = $1`, [id])).rows[0]?.storageKey;
  const orphaned = async (key: string) =>
    (await sql(`SELECT 1 FROM orphaned_files WHERE "storageKey" = $1`, [key])).rows.length;
  const upload = (
    body: Buffer | string,
    options: { filename?: string; contentType?: string; user?: TestUser; url?: string } = {},
  ) =>
    t
      .http()
      .post(options.url ?? base)
      .set((options.user ?? world.editor).auth)
      .attach('file', Buffer.from(body), {
        filename: options.filename ?? 'notes.txt',
        contentType: options.contentType ?? 'text/plain',
      });
  const uploaded = async (body: Buffer | string = 'hello', options: Parameters<typeof upload>[1] = {}) =>
    (await upload(body, options).expect(201)).body as { id: string; sha256: string };
  /** Runs a provider method in a scope as the request would: the org, the editor. */
  const asEditor = <T>(work: () => Promise<T>) =>
    t.app.get(DbContext).run({ orgId: world.org.id, userId: world.editor.id }, work);

  beforeAll(async () => {
    backend = await makeBackend();
    t = await createTestApp({ env: { ...backend.env, ATTACHMENT_MAX_BYTES: String(MAX_BYTES) } });
    world = await orgWithEveryRole(t);
    conversationId = await conversation(world.org.id, world.editor.id);
    base = `/v1/orgs/${world.org.id}/conversations/${conversationId}/attachments`;
  });
  afterAll(async () => {
    await t?.close();
    await backend?.close();
  });

  it('uploads a file: metadata with sha256 and a clean name, the bytes stored, an audit entry', async () => {
    const text = 'Quarterly notes\nline two ✓';
    const res = await upload(text, {
      filename: '..\\..\\etc/pass|wd\u0007?.txt',
      contentType: 'Text/Plain; charset=utf-8',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orgId: world.org.id,
      conversationId,
      messageId: null,
      uploadedByUserId: world.editor.id,
      fileName: 'pass_wd__.txt',
      contentType: 'text/plain',
      sizeBytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    expect(res.body).not.toHaveProperty('storageKey');
    const key = await storageKey(res.body.id);
    expect(key).toBe(`${world.org.id}/${res.body.id}`);
    expect(await backend.stored(key!)).toBe(true);
    const audit = await sql<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1`, [res.body.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(['attachment.created']);
  });

  it('lists (cursor, oldest first), reads metadata and downloads the same bytes with a safe disposition', async () => {
    const own = await conversation(world.org.id, world.editor.id);
    const url = `/v1/orgs/${world.org.id}/conversations/${own}/attachments`;
    const first = await uploaded(PNG, { url, filename: 'chart.png', contentType: 'image/png' });
    const second = await uploaded('{"a":1}', { url, filename: 'résumé (final).json', contentType: 'application/json' });
    const page1 = await t.http().get(`${url}?limit=1`).set(world.editor.auth).expect(200);
    expect(page1.body.data.map((a: { id: string }) => a.id)).toEqual([first.id]);
    const page2 = await t
      .http()
      .get(`${url}?limit=1&cursor=${page1.body.nextCursor}`)
      .set(world.editor.auth)
      .expect(200);
    expect(page2.body).toEqual({ data: [expect.objectContaining({ id: second.id })], nextCursor: null });
    const meta = await t.http().get(`${url}/${first.id}`).set(world.editor.auth).expect(200);
    expect(meta.body).toMatchObject({ id: first.id, contentType: 'image/png', sizeBytes: PNG.length });

    const png = await t
      .http()
      .get(`${url}/${first.id}/content`)
      .set(world.editor.auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(png.body as Buffer, PNG)).toBe(0);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-disposition']).toBe(`attachment; filename="chart.png"; filename*=UTF-8''chart.png`);
    expect(png.headers['x-content-type-options']).toBe('nosniff');
    const json = await t.http().get(`${url}/${second.id}/content`).set(world.editor.auth).expect(200);
    expect(json.text).toBe('{"a":1}');
    expect(json.headers['content-disposition']).toBe(
      `attachment; filename="r_sum_ (final).json"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%28final%29.json`,
    );
  });

  it('413 past ATTACHMENT_MAX_BYTES, 415 for a type not allowed or bytes not of the type, 400 without a file', async () => {
    const big = await upload(Buffer.alloc(MAX_BYTES + 1, 'a'));
    expect([big.status, big.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    await upload(Buffer.alloc(MAX_BYTES, 'a')).expect(201);
    const zip = await upload('PK..', { filename: 'a.zip', contentType: 'application/zip' });
    expect([zip.status, zip.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(zip.body.detail).toMatch(/application\/zip.*allowed: text\/\*/);
    const fakePng = await upload('not a png', { filename: 'x.png', contentType: 'image/png' });
    expect([fakePng.status, fakePng.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const notUtf8 = await upload(Buffer.from([0xff, 0xfe, 0x00]), { contentType: 'text/plain' });
    expect(notUtf8.status).toBe(415);
    const json = await t.http().post(base).set(world.editor.auth).send({ file: 'x' });
    expect([json.status, json.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const noFile = await t.http().post(base).set(world.editor.auth).field('other', 'x');
    expect([noFile.status, noFile.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const empty = await upload(Buffer.alloc(0));
    expect([empty.status, empty.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    // Other routes refuse multipart bodies as they refuse any body that is not JSON.
    const elsewhere = await t
      .http()
      .post(`/v1/orgs/${world.org.id}/variables`)
      .set(world.editor.auth)
      .field('key', 'x')
      .field('value', 'y');
    expect(elsewhere.status).toBe(415);
  });

  it("401 without credentials; 404 for another org's member and for another member of the org (private)", async () => {
    const file = await uploaded();
    const one = `${base}/${file.id}`;
    await t.http().get(base).expect(401);
    await upload('x').set('Authorization', '').expect(401);
    for (const user of [world.outsider, world.admin, world.owner]) {
      await t.http().get(base).set(user.auth).expect(404);
      await t.http().get(one).set(user.auth).expect(404);
      await t.http().get(`${one}/content`).set(user.auth).expect(404);
      await t.http().delete(one).set(user.auth).expect(404);
      await upload('x', { user }).expect(404);
    }
    // The outsider in their own org: the ids name nothing there.
    const elsewhere = `/v1/orgs/${world.otherOrg.id}/conversations/${conversationId}/attachments`;
    await t.http().get(`${elsewhere}/${file.id}`).set(world.outsider.auth).expect(404);
    await upload('x', { user: world.outsider, url: elsewhere }).expect(404);
    await t.http().get(`${base}/${randomUUID()}`).set(world.editor.auth).expect(404);
  });

  it('a conversation shared with the org: members read its files, only its creator adds or deletes (403)', async () => {
    const shared = await conversation(world.org.id, world.editor.id, true);
    const url = `/v1/orgs/${world.org.id}/conversations/${shared}/attachments`;
    const file = await uploaded('shared', { url });
    await t.http().get(`${url}/${file.id}/content`).set(world.viewer.auth).expect(200);
    expect((await upload('x', { url, user: world.viewer }).expect(403)).body.code).toBe('FORBIDDEN');
    await t.http().delete(`${url}/${file.id}`).set(world.admin.auth).expect(403);
    const reader = await serviceApiKey(t, world.org.id, ['conversations:read']);
    await t.http().get(url).set(reader).expect(200);
    await t.http().get(base).set(reader).expect(404);
    const writer = await serviceApiKey(t, world.org.id, ['conversations:write']);
    await t.http().post(url).set(writer).attach('file', Buffer.from('x'), 'a.txt').expect(403);
    const wrongScope = await serviceApiKey(t, world.org.id, ['prompts:read']);
    await t.http().get(url).set(wrongScope).expect(403);
  });

  it('MessageAttachments: attaches to a message (404 unknown, 409 sent), gives the model text and images', async () => {
    const text = await uploaded('the text');
    const image = await uploaded(PNG, { filename: 'p.png', contentType: 'image/png' });
    const pdf = await uploaded('%PDF-1.7 body', { filename: 'doc.pdf', contentType: 'application/pdf' });
    const messageId = await message(conversationId);
    const attachments = t.app.get(MessageAttachments);
    await asEditor(() => attachments.attach(world.org.id, conversationId, messageId, []));
    const unknown = randomUUID();
    await expect(
      asEditor(() => attachments.attach(world.org.id, conversationId, messageId, [text.id, unknown])),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', detail: `Attachment not found: ${unknown}` });
    const other = await conversation(world.org.id, world.editor.id);
    await expect(asEditor(() => attachments.attach(world.org.id, other, messageId, [text.id]))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await asEditor(() => attachments.attach(world.org.id, conversationId, messageId, [text.id, image.id, pdf.id]));
    // Again with the same message: nothing to do.
    await asEditor(() => attachments.attach(world.org.id, conversationId, messageId, [text.id]));
    const later = await message(conversationId);
    await expect(
      asEditor(() => attachments.attach(world.org.id, conversationId, later, [text.id])),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_SENT', status: 409 });
    const meta = await t.http().get(`${base}/${text.id}`).set(world.editor.auth).expect(200);
    expect(meta.body.messageId).toBe(messageId);

    const forModel = await asEditor(() => attachments.forModel(world.org.id, conversationId, [messageId, later]));
    expect([...forModel.keys()]).toEqual([messageId]);
    expect(forModel.get(messageId)).toEqual([
      { fileName: 'notes.txt', contentType: 'text/plain', text: 'the text' },
      { fileName: 'p.png', contentType: 'image/png', imageBase64: PNG.toString('base64') },
      {
        fileName: 'doc.pdf',
        contentType: 'application/pdf',
        text: '[Attached file doc.pdf (application/pdf, 13 bytes): its content is not given to the model]',
      },
    ]);

    // Sent: part of the conversation, not deleted on its own.
    const res = await t.http().delete(`${base}/${text.id}`).set(world.editor.auth);
    expect([res.status, res.body.code]).toEqual([409, 'ATTACHMENT_SENT']);
  });

  it('DELETE of an unsent file: 204, gone from the API at once and from storage after the sweep', async () => {
    const file = await uploaded('bye');
    const key = (await storageKey(file.id))!;
    await t.http().delete(`${base}/${file.id}`).set(world.viewer.auth).expect(404);
    await t.http().delete(`${base}/${file.id}`).set(world.editor.auth).expect(204);
    await t.http().get(`${base}/${file.id}`).set(world.editor.auth).expect(404);
    expect(await orphaned(key)).toBe(1);
    await t.app.get(OrphanedFilesSweep).sweep();
    expect(await backend.stored(key)).toBe(false);
    expect(await orphaned(key)).toBe(0);
  });

  it('DELETE of the conversation deletes its files: the sweep job it queues removes them', async () => {
    const doomed = await conversation(world.org.id, world.editor.id);
    const url = `/v1/orgs/${world.org.id}/conversations/${doomed}/attachments`;
    const files = [await uploaded('one', { url }), await uploaded(PNG, { url, contentType: 'image/png' })];
    const messageId = await message(doomed);
    await asEditor(() => t.app.get(MessageAttachments).attach(world.org.id, doomed, messageId, [files[0]!.id]));
    const keys = await Promise.all(files.map((f) => storageKey(f.id)));
    for (const key of keys) expect(await backend.stored(key!)).toBe(true);
    await t.http().delete(`/v1/orgs/${world.org.id}/conversations/${doomed}`).set(world.editor.auth).expect(204);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await Promise.all(keys.map((k) => backend.stored(k!)))).some(Boolean))
      await new Promise((resolve) => setTimeout(resolve, 200));
    for (const key of keys) expect(await backend.stored(key!)).toBe(false);
  });

  it('403 FEATURE_DISABLED when the chat flag is off', async () => {
    await withFlagOff(t, world.org, world.owner, 'chat', async () => {
      expect((await t.http().get(base).set(world.editor.auth).expect(403)).body.code).toBe('FEATURE_DISABLED');
      expect((await upload('x').expect(403)).body.code).toBe('FEATURE_DISABLED');
    });
  });
});

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

// With a pool of one connection (and a 1 s wait for it), an upload that held the request's
// transaction while its bytes arrived would leave every other request 503.
onPostgres('attachments: a slow upload holds no database connection (e2e, PostgreSQL)', () => {
  let t: TestApp;
  let dir: string;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let appUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orgbase-data-'));
    t = await createTestApp({ env: { DATA_DIR: dir, DATABASE_POOL_MAX: '1', DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    await t.app.listen(0, '127.0.0.1');
    appUrl = await t.app.getUrl();
    world = await orgWithEveryRole(t);
    const conversationId = randomUUID();
    await t.asOwner((db) =>
      db.query(`INSERT INTO conversations (id, "orgId", "userId", "updatedAt") VALUES ($1, $2, $3, now())`, [
        conversationId,
        world.org.id,
        world.editor.id,
      ]),
    );
    base = `/v1/orgs/${world.org.id}/conversations/${conversationId}/attachments`;
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('other requests are answered while an upload is still arriving; the upload then completes', async () => {
    const boundary = 'orgbase-slow-upload';
    const first = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.txt"\r\n` +
        'Content-Type: text/plain\r\n\r\nfirst half, ',
    );
    const second = Buffer.from(`second half\r\n--${boundary}--\r\n`);
    const request = httpRequest(`${appUrl}${base}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${world.editor.accessToken}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': first.length + second.length,
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
    });
    request.write(first);
    await sleep(300); // the server has the request and waits for the rest of the file
    for (let i = 0; i < 3; i++) await t.http().get(base).set(world.editor.auth).expect(200);
    request.end(second);
    const { status, body } = await answer;
    expect(status).toBe(201);
    expect(JSON.parse(body)).toMatchObject({ fileName: 'slow.txt', sizeBytes: 'first half, second half'.length });
  });
});
