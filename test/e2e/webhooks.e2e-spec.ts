import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DbContext } from '../../src/database/db-context';
import { AuditService } from '../../src/modules/audit/audit.service';
import { WebhookDeliveryRunner } from '../../src/modules/webhooks/webhook-delivery.runner';
import { orgWithEveryRole, serviceApiKey, unique, type TestUser } from '../factories';
import { SecretLeaks } from '../support/secret-leaks';
import { startStubLlm, type StubLlm } from '../support/stub-llm';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
interface Delivery {
  id: string;
  event: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  payload?: Body;
}

/**
 * A receiver on loopback: records every request by path and answers each path with the statuses
 * scripted for it (the last one repeats), 200 by default.
 */
class Receiver {
  readonly requests: Received[] = [];
  private readonly scripts = new Map<string, number[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const script = this.scripts.get(path) ?? [200];
        const status = script.length > 1 ? script.shift()! : script[0]!;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${status} ${'x'.repeat(3000)}`);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(path: string, statuses: number[]): void {
    this.scripts.set(path, statuses);
  }

  at(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out; last value: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

/** Checks `Orgbase-Signature` the way the README tells receivers to. */
function signedWith(secret: string, request: Received): boolean {
  const header = String(request.headers['orgbase-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest('hex');
  return expected === match[2] && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

const ENV = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  JOBS_POLL_INTERVAL_MS: '500',
  JOBS_SHUTDOWN_GRACE_MS: '300',
  WEBHOOK_MAX_ATTEMPTS: '3',
  WEBHOOK_RETRY_DELAY_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_SWEEP_INTERVAL_SECONDS: '3600',
  RUN_SWEEP_INTERVAL_SECONDS: '3600',
  LOG_LEVEL: 'trace',
};

describe('webhooks (e2e)', () => {
  let t: TestApp;
  let receiver: Receiver;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  const leaks = new SecretLeaks();
  const secrets: string[] = [];

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    t = await createTestApp({ env: ENV, logDestination: leaks.logDestination });
    world = await orgWithEveryRole(t);
    // Many webhooks are made below: the FREE plan's 2 (and PRO's 20) would run out (the limit has its own test).
    await t.asOwner((db) => db.query(`UPDATE organizations SET tier = 'ENTERPRISE' WHERE id = $1`, [world.org.id]));
    base = `/v1/orgs/${world.org.id}/webhooks`;
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const http = () => t.http();
  /** A webhook on its own receiver path; returns its id, secret, ETag and path. */
  async function createHook(events: string[], body: Body = {}, user: TestUser = world.admin) {
    const path = `/hook/${unique()}`;
    const res = await http()
      .post(base)
      .set(user.auth)
      .send({ url: `${receiver.url}${path}`, events, ...body });
    expect(res.status).toBe(201);
    secrets.push(res.body.secret);
    return { id: res.body.id as string, secret: res.body.secret as string, path, body: res.body as Body };
  }
  const get = async (path: string, user: TestUser = world.admin) => leaks.seen(await http().get(path).set(user.auth));
  const post = async (path: string, body: Body = {}, user: TestUser = world.admin) =>
    leaks.seen(await send(path, body, user));
  /** A POST whose answer shows a secret: not watched for leaks. */
  const send = (path: string, body: Body = {}, user: TestUser = world.admin) =>
    http().post(path).set(user.auth).send(body);
  const deliveries = async (hookId: string): Promise<Delivery[]> =>
    (await get(`${base}/${hookId}/deliveries`)).body.data;
  /** The deliveries of a hook once `count` of them are no longer PENDING. */
  const settled = (hookId: string, count = 1) =>
    until(
      () => deliveries(hookId),
      (list) => list.filter((d) => d.status !== 'PENDING').length >= count,
    );
  const createVariable = (key = `k_${unique()}`) =>
    post(`/v1/orgs/${world.org.id}/variables`, { key, value: 'v' }, world.editor).then((res) => {
      expect(res.status).toBe(201);
      return res.body as { id: string; key: string };
    });

  describe('delivering audit events', () => {
    it('creates a webhook (ADMIN) with its secret shown once, and delivers variable.created signed with it', async () => {
      const hook = await createHook(['variable.created']);
      expect(hook.body).toMatchObject({ events: ['variable.created'], isActive: true, version: 1, description: null });
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const variable = await createVariable();
      const [delivery] = await settled(hook.id);
      expect(delivery).toMatchObject({
        event: 'variable.created',
        status: 'SUCCEEDED',
        attempts: 1,
        responseStatus: 200,
        error: null,
      });
      expect(delivery!.responseBody!.length).toBe(2048); // bounded snippet
      const [request] = receiver.at(hook.path);
      expect(request!.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'Orgbase-Webhooks/1',
        'orgbase-event': 'variable.created',
        'orgbase-delivery': delivery!.id,
      });
      expect(signedWith(hook.secret, request!)).toBe(true);
      expect(signedWith('whsec_wrong', request!)).toBe(false);
      const payload = JSON.parse(request!.body);
      expect(payload).toMatchObject({
        id: delivery!.id,
        type: 'variable.created',
        orgId: world.org.id,
        createdAt: expect.any(String),
        data: {
          resourceType: 'variable',
          resourceId: variable.id,
          actor: { type: 'USER', id: world.editor.id },
          after: { key: variable.key, value: 'v' },
        },
      });
      const detail = await get(`${base}/${hook.id}/deliveries/${delivery!.id}`).then((r) => r.body);
      expect(detail.payload).toEqual(payload);
      // The secret is shown on create only.
      const read = await get(`${base}/${hook.id}`);
      expect(read.status).toBe(200);
      expect(read.body).not.toHaveProperty('secret');
      expect(read.headers.etag).toBe('"1"');
    });

    it('retries an attempt that failed: 500 then 200 → SUCCEEDED after two attempts', async () => {
      const hook = await createHook(['variable.created']);
      receiver.answer(hook.path, [500, 200]);
      await createVariable();
      const [delivery] = await settled(hook.id);
      expect(delivery).toMatchObject({ status: 'SUCCEEDED', attempts: 2, responseStatus: 200 });
      expect(receiver.at(hook.path)).toHaveLength(2);
      const [first, second] = receiver.at(hook.path);
      expect(first!.headers['orgbase-delivery']).toBe(second!.headers['orgbase-delivery']);
    });

    it('gives up after WEBHOOK_MAX_ATTEMPTS: always 500 → FAILED with the last answer', async () => {
      const hook = await createHook(['variable.deleted']);
      receiver.answer(hook.path, [500]);
      const variable = await createVariable();
      await http()
        .delete(`/v1/orgs/${world.org.id}/variables/${variable.id}`)
        .set(world.editor.auth)
        .set('If-Match', '"1"')
        .expect(204);
      const [delivery] = await settled(hook.id);
      expect(delivery).toMatchObject({ event: 'variable.deleted', status: 'FAILED', attempts: 3, responseStatus: 500 });
      expect(receiver.at(hook.path)).toHaveLength(3);
    }, 30_000);

    it('records a network error as the attempt (nobody listens)', async () => {
      const res = await send(base, { url: 'http://127.0.0.1:9/closed', events: ['prompt.created'] });
      expect(res.status).toBe(201);
      secrets.push(res.body.secret);
      await post(`${base}/${res.body.id}/ping`).then((r) => expect(r.status).toBe(202));
      const [delivery] = await settled(res.body.id);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3, responseStatus: null });
      expect(delivery!.error).toMatch(/ECONNREFUSED|fetch failed/);
    }, 30_000);

    it('sends nothing for a write that rolls back', async () => {
      const hook = await createHook(['variable.created']);
      const db = t.app.get(DbContext);
      const audit = t.app.get(AuditService);
      await expect(
        db.run({ orgId: world.org.id }, async () => {
          await audit.record({ action: 'variable.created', resourceType: 'variable', orgId: world.org.id });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await sleep(1000);
      expect(await deliveries(hook.id)).toEqual([]);
      expect(receiver.at(hook.path)).toEqual([]);
    });

    it('filters by event: exact, <resource>.* and *', async () => {
      const exact = await createHook(['variable.deleted']);
      const wildcard = await createHook(['variable.*']);
      const all = await createHook(['*']);
      const other = await createHook(['prompt.*']);
      await createVariable();
      await settled(wildcard.id);
      const allEvents = await until(
        () => deliveries(all.id),
        (list) => list.some((d) => d.event === 'variable.created' && d.status === 'SUCCEEDED'),
      );
      expect(allEvents.map((d) => d.event)).toContain('variable.created');
      expect((await deliveries(wildcard.id)).map((d) => d.event)).toEqual(['variable.created']);
      expect(await deliveries(exact.id)).toEqual([]);
      expect(await deliveries(other.id)).toEqual([]);
    });

    it('stops sending to an inactive webhook; ping and redeliver answer 409 WEBHOOK_INACTIVE', async () => {
      const hook = await createHook(['variable.created']);
      const res = await http().patch(`${base}/${hook.id}`).set(world.admin.auth).set('If-Match', '"1"').send({
        isActive: false,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ isActive: false, version: 2 });
      await createVariable();
      await sleep(800);
      expect(await deliveries(hook.id)).toEqual([]);
      expect((await post(`${base}/${hook.id}/ping`)).body.code).toBe('WEBHOOK_INACTIVE');
    });

    it('a pending delivery stops when its webhook is deactivated: FAILED without another attempt', async () => {
      const hook = await createHook(['variable.created']);
      receiver.answer(hook.path, [500]);
      await createVariable();
      await until(
        () => deliveries(hook.id),
        (list) => list[0]?.attempts === 1,
      );
      await http()
        .patch(`${base}/${hook.id}`)
        .set(world.admin.auth)
        .set('If-Match', '"1"')
        .send({ isActive: false })
        .expect(200);
      const [delivery] = await settled(hook.id);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 1, error: 'The webhook is inactive' });
      expect(receiver.at(hook.path)).toHaveLength(1);
    });

    it('fires run.finished when an evaluation run finishes (a system event), and the audit chain verifies', async () => {
      const stub: StubLlm = await startStubLlm();
      try {
        stub.reply(() => 'Here is the answer');
        const hook = await createHook(['run.finished']);
        const orgBase = `/v1/orgs/${world.org.id}`;
        const key = await post(
          `${orgBase}/provider-keys`,
          {
            provider: 'OPENAI',
            name: `k-${unique()}`,
            apiKey: stub.apiKey,
            baseUrl: stub.openaiBaseUrl,
            defaultModel: 'm',
          },
          world.admin,
        );
        expect(key.status).toBe(201);
        const scenario = await post(
          `${orgBase}/scenarios`,
          {
            name: `s-${unique()}`,
            turns: [
              { type: 'USER', text: 'Hi' },
              { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['answer'] }] },
            ],
          },
          world.editor,
        );
        expect(scenario.status).toBe(201);
        const run = await post(
          `${orgBase}/scenarios/${scenario.body.id}/runs`,
          { providerKeyId: key.body.id },
          world.editor,
        );
        expect(run.status).toBe(202);
        const [delivery] = await settled(hook.id);
        expect(delivery).toMatchObject({ event: 'run.finished', status: 'SUCCEEDED' });
        const payload = JSON.parse(receiver.at(hook.path)[0]!.body);
        expect(payload.data).toMatchObject({
          resourceType: 'evaluation_run',
          resourceId: run.body.id,
          actor: { type: 'SYSTEM', id: null },
          before: { status: expect.stringMatching(/QUEUED|RUNNING/) },
          after: { status: 'PASSED' },
        });
        const verified = await get(`${orgBase}/audit-logs/verify`, world.owner);
        expect(verified.body).toMatchObject({ valid: true });
      } finally {
        await stub.close();
      }
    }, 30_000);
  });

  describe('POST /v1/orgs/{orgId}/webhooks', () => {
    it('400 for a bad url, no events, unknown events and unknown fields', async () => {
      const cases: [Body, string][] = [
        [{ url: 'ftp://example.com/x', events: ['*'] }, 'url'],
        [{ url: 'not a url', events: ['*'] }, 'url'],
        [{ url: 'https://example.com/a', events: [] }, 'events'],
        [{ url: 'https://example.com/a', events: ['variable.exploded'] }, 'events'],
        [{ url: 'https://example.com/a', events: ['nothing.*'] }, 'events'],
        [{ url: 'https://example.com/a', events: ['*'], secret: 'mine' }, 'secret'],
      ];
      for (const [body, field] of cases) {
        const res = await post(base, body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('422 OUTBOUND_URL_REFUSED for cloud metadata and link-local addresses', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x']) {
        const res = await post(base, { url, events: ['*'] });
        expect(res.status).toBe(422);
        expect(res.body).toMatchObject({ code: 'OUTBOUND_URL_REFUSED', errors: [{ field: 'url' }] });
      }
    });

    it('409 DUPLICATE for a url the org already has; the same url in another org is fine', async () => {
      const hook = await createHook(['*']);
      const url = `${receiver.url}${hook.path}`;
      expect((await post(base, { url, events: ['variable.created'] })).status).toBe(409);
      const other = await send(`/v1/orgs/${world.otherOrg.id}/webhooks`, { url, events: ['*'] }, world.outsider);
      expect(other.status).toBe(201);
      secrets.push(other.body.secret);
    });

    it('401 without credentials, 403 for EDITOR, 201 for an API key with the webhooks scope', async () => {
      const body = { url: `${receiver.url}/k/${unique()}`, events: ['*'] };
      expect((await http().post(base).send(body)).status).toBe(401);
      expect((await post(base, body, world.editor)).body.code).toBe('FORBIDDEN');
      const key = await serviceApiKey(t, world.org.id, ['webhooks:write']);
      const res = await http().post(base).set(key).send(body);
      expect(res.status).toBe(201);
      secrets.push(res.body.secret);
      const wrongScope = await serviceApiKey(t, world.org.id, ['variables:write']);
      expect(
        (
          await http()
            .post(base)
            .set(wrongScope)
            .send({ ...body, url: `${body.url}x` })
        ).status,
      ).toBe(403);
    });
  });

  describe('reading, changing, deleting', () => {
    it('lists webhooks newest first with cursor paging, never with secrets', async () => {
      await createHook(['*']);
      await createHook(['*']);
      const first = await get(`${base}?limit=1`);
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await get(`${base}?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body.data[0].id < first.body.data[0].id).toBe(true);
      expect(JSON.stringify(first.body)).not.toContain('whsec_');
      expect((await get(`${base}?limit=0`)).status).toBe(400);
    });

    it('PATCH needs If-Match (428), refuses a stale one (412), checks the url again (422) and the events (400)', async () => {
      const hook = await createHook(['*']);
      const patch = (body: Body, etag?: string) => {
        const req = http().patch(`${base}/${hook.id}`).set(world.admin.auth);
        return (etag ? req.set('If-Match', etag) : req).send(body);
      };
      expect((await patch({ description: 'x' })).status).toBe(428);
      expect((await patch({ description: 'x' }, '"7"')).status).toBe(412);
      expect((await patch({ url: 'http://169.254.169.254/' }, '"1"')).status).toBe(422);
      expect((await patch({ events: [] }, '"1"')).status).toBe(400);
      expect((await patch({ url: null }, '"1"')).status).toBe(400);
      const res = await patch({ events: ['prompt.updated', 'prompt.updated'], description: 'Prompts' }, '"1"');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ events: ['prompt.updated'], description: 'Prompts', version: 2 });
      expect(res.headers.etag).toBe('"2"');
      expect((await patch({ description: 'x' }, '"2"').set(world.editor.auth)).status).toBe(403);
    });

    it('DELETE removes the webhook and its deliveries (If-Match), 404 afterwards', async () => {
      const hook = await createHook(['variable.created']);
      await createVariable();
      await settled(hook.id);
      const del = (etag = '"1"', user = world.admin) =>
        http().delete(`${base}/${hook.id}`).set(user.auth).set('If-Match', etag);
      expect((await del('"1"', world.editor)).status).toBe(403);
      expect((await http().delete(`${base}/${hook.id}`).set(world.admin.auth)).status).toBe(428);
      expect((await del()).status).toBe(204);
      expect((await get(`${base}/${hook.id}`)).status).toBe(404);
      const left = await t.asOwner((db) =>
        db.query(`SELECT 1 FROM webhook_deliveries WHERE "webhookId" = $1`, [hook.id]),
      );
      expect(left.rows).toEqual([]);
    });

    it('rotate-secret: a new secret shown once signs what is sent from then on', async () => {
      const hook = await createHook(['variable.created']);
      const res = await send(`${base}/${hook.id}/rotate-secret`);
      expect(res.status).toBe(200);
      const rotated = res.body.secret as string;
      secrets.push(rotated);
      expect(rotated).toMatch(/^whsec_/);
      expect(rotated).not.toBe(hook.secret);
      expect(res.body.version).toBe(2);
      await createVariable();
      await settled(hook.id);
      const [request] = receiver.at(hook.path);
      expect(signedWith(rotated, request!)).toBe(true);
      expect(signedWith(hook.secret, request!)).toBe(false);
      expect((await post(`${base}/${hook.id}/rotate-secret`, {}, world.editor)).status).toBe(403);
    });

    it('ping sends webhook.ping to that webhook', async () => {
      const hook = await createHook(['prompt.created']);
      const res = await post(`${base}/${hook.id}/ping`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ event: 'webhook.ping', status: 'PENDING', attempts: 0 });
      await settled(hook.id);
      const [request] = receiver.at(hook.path);
      expect(JSON.parse(request!.body)).toMatchObject({
        id: res.body.id,
        type: 'webhook.ping',
        data: { resourceType: 'webhook', resourceId: hook.id, actor: { type: 'USER', id: world.admin.id } },
      });
      expect(signedWith(hook.secret, request!)).toBe(true);
    });
  });

  describe('deliveries', () => {
    it('lists by status, shows one with its payload, redelivers it as a new delivery of the same payload', async () => {
      const hook = await createHook(['variable.created']);
      await createVariable();
      const [original] = await settled(hook.id);
      const res = await post(`${base}/${hook.id}/deliveries/${original!.id}/redeliver`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ event: 'variable.created', status: 'PENDING' });
      expect(res.body.id).not.toBe(original!.id);
      await settled(hook.id, 2);
      const [first, second] = receiver.at(hook.path);
      expect(second!.body).toBe(first!.body); // the same payload, its id included
      expect(second!.headers['orgbase-delivery']).toBe(res.body.id);
      expect(signedWith(hook.secret, second!)).toBe(true);
      const succeeded = await get(`${base}/${hook.id}/deliveries?status=SUCCEEDED`);
      expect(succeeded.body.data).toHaveLength(2);
      expect((await get(`${base}/${hook.id}/deliveries?status=FAILED`)).body.data).toEqual([]);
      expect((await get(`${base}/${hook.id}/deliveries?status=NOPE`)).status).toBe(400);
      const page = await get(`${base}/${hook.id}/deliveries?limit=1`);
      expect(page.body.data[0]).not.toHaveProperty('payload');
      expect(page.body.nextCursor).toEqual(expect.any(String));
    });

    it('401, 403 for EDITOR, 404 for another org’s webhook or delivery or a malformed id', async () => {
      const hook = await createHook(['variable.created']);
      await createVariable();
      const [delivery] = await settled(hook.id);
      const paths = [
        `${base}/${hook.id}/deliveries`,
        `${base}/${hook.id}/deliveries/${delivery!.id}`,
        `${base}/${hook.id}`,
        base,
      ];
      for (const path of paths) {
        expect((await http().get(path)).status).toBe(401);
        expect((await get(path, world.editor)).status).toBe(403);
        expect((await get(path, world.viewer)).status).toBe(403);
      }
      expect((await post(`${base}/${hook.id}/deliveries/${delivery!.id}/redeliver`, {}, world.editor)).status).toBe(
        403,
      );
      expect((await post(`${base}/${hook.id}/ping`, {}, world.editor)).status).toBe(403);
      // The other org's admin, through their own org's path, with this org's ids.
      const theirs = `/v1/orgs/${world.otherOrg.id}/webhooks/${hook.id}`;
      for (const path of [theirs, `${theirs}/deliveries`, `${theirs}/deliveries/${delivery!.id}`])
        expect({ path, status: (await get(path, world.outsider)).status }).toEqual({ path, status: 404 });
      expect((await post(`${theirs}/deliveries/${delivery!.id}/redeliver`, {}, world.outsider)).status).toBe(404);
      expect((await post(`${theirs}/ping`, {}, world.outsider)).status).toBe(404);
      expect((await post(`${theirs}/rotate-secret`, {}, world.outsider)).status).toBe(404);
      // This org's webhook with a delivery id of another webhook.
      const otherHook = await createHook(['*']);
      expect((await get(`${base}/${otherHook.id}/deliveries/${delivery!.id}`)).status).toBe(404);
      expect((await get(`${base}/not-a-uuid/deliveries`)).status).toBe(404);
    });

    it('the sweep re-queues a PENDING delivery whose job was lost and prunes deliveries past their retention', async () => {
      const hook = await createHook(['prompt.deleted']);
      const lost = '01900000-0000-7000-8000-0000000000a1';
      const old = '01900000-0000-7000-8000-0000000000a2';
      await t.asOwner((db) =>
        db.query(
          `INSERT INTO webhook_deliveries (id, "orgId", "webhookId", event, payload, status, "createdAt") VALUES
             ($1, $3, $4, 'prompt.deleted', '{"type":"prompt.deleted"}', 'PENDING', now() - interval '2 hours'),
             ($2, $3, $4, 'prompt.deleted', '{"type":"prompt.deleted"}', 'SUCCEEDED', now() - interval '40 days')`,
          [lost, old, world.org.id, hook.id],
        ),
      );
      await t.app.get(WebhookDeliveryRunner).sweep();
      const list = await until(
        () => deliveries(hook.id),
        (rows) => rows.some((d) => d.id === lost && d.status === 'SUCCEEDED'),
      );
      expect(list.map((d) => d.id)).toEqual([lost]);
      expect(receiver.at(hook.path)[0]!.headers['orgbase-delivery']).toBe(lost);
    });
  });

  it('GET /v1/webhook-events lists the events to a signed-in user (401 without credentials)', async () => {
    await http().get('/v1/webhook-events').expect(401);
    const res = await http().get('/v1/webhook-events').set(world.viewer.auth).expect(200);
    expect(res.body.events).toEqual(
      expect.arrayContaining(['variable.created', 'prompt.updated', 'run.finished', 'execution.succeeded']),
    );
  });

  it('the plan limit: FREE orgs have 2 webhooks', async () => {
    const orgBase = `/v1/orgs/${world.otherOrg.id}/webhooks`;
    const count = (await get(orgBase, world.outsider)).body.data.length;
    for (let i = count; i < 2; i++) {
      const res = await send(orgBase, { url: `${receiver.url}/free/${unique()}`, events: ['*'] }, world.outsider);
      expect(res.status).toBe(201);
      secrets.push(res.body.secret);
    }
    const res = await post(orgBase, { url: `${receiver.url}/free/${unique()}`, events: ['*'] }, world.outsider);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('PLAN_LIMIT_REACHED');
  });

  it('the database refuses a plaintext secret', async () => {
    const hook = await createHook(['*']);
    await expect(
      t.asOwner((db) => db.query(`UPDATE webhooks SET "encryptedSecret" = 'whsec_plain' WHERE id = $1`, [hook.id])),
    ).rejects.toThrow(/encryptedSecret/);
  });

  it('no secret in responses (but the one that shows it), logs or audit entries', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    await leaks.expectNone(t, 'webhook', secrets);
  });
});

describe('webhooks without OUTBOUND_ALLOW_PRIVATE (e2e)', () => {
  let t: TestApp;
  afterAll(() => t?.close());

  it('422 OUTBOUND_URL_REFUSED for loopback and private addresses', async () => {
    t = await createTestApp({ env: { WEBHOOK_SWEEP_INTERVAL_SECONDS: '3600' } });
    const world = await orgWithEveryRole(t);
    for (const url of ['http://127.0.0.1:8080/hook', 'http://10.0.0.7/hook', 'http://localhost/hook']) {
      const res = await t
        .http()
        .post(`/v1/orgs/${world.org.id}/webhooks`)
        .set(world.admin.auth)
        .send({ url, events: ['*'] });
      expect({ url, status: res.status, code: res.body.code }).toEqual({
        url,
        status: 422,
        code: 'OUTBOUND_URL_REFUSED',
      });
    }
  });
});
