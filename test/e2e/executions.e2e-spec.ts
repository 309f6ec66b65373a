import { setTimeout as sleep } from 'node:timers/promises';
import { createOrg, orgWithEveryRole, signUp, unique, type TestUser } from '../factories';
import { startStubLlm, type StubLlm } from '../support/stub-llm';
import { createTestApp, type TestApp } from '../support/test-app';

type Body = Record<string, unknown>;
type Execution = {
  id: string;
  agentId: string;
  agentVersion: number;
  status: string;
  input: Body;
  output: Body | null;
  error: string | null;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  triggeredByUserId: string | null;
  cancelledByUserId: string | null;
  createdAt: string;
};

const ENV = {
  OUTBOUND_ALLOW_PRIVATE: 'true',
  JOBS_POLL_INTERVAL_MS: '500',
  JOBS_SHUTDOWN_GRACE_MS: '300',
  RUN_RETRY_DELAY_MS: '10',
  RUN_MODEL_ATTEMPTS: '3',
  RUN_SWEEP_INTERVAL_SECONDS: '3600',
  LLM_TIMEOUT_MS: '10000',
  LOG_LEVEL: 'error',
};

const INPUT_SCHEMA = {
  type: 'object',
  required: ['company'],
  properties: { company: { type: 'string' }, size: { type: 'integer', minimum: 1 } },
};
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > end) return value;
    await sleep(100);
  }
}

/** A stub reply that waits until released (or the caller hangs up). */
function held() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { gate, release };
}

async function providerKey(t: TestApp, stub: StubLlm, user: TestUser, orgId: string, body: Body = {}) {
  const res = await t
    .http()
    .post(`/v1/orgs/${orgId}/provider-keys`)
    .set(user.auth)
    .send({ provider: 'OPENAI', name: `k-${unique()}`, apiKey: stub.apiKey, baseUrl: stub.openaiBaseUrl, ...body });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('agent executions (e2e)', () => {
  let t: TestApp;
  let stub: StubLlm;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let orgKey: string;
  let personalKey: string;
  let agentId: string;

  const http = () => t.http();
  const createAgent = async (body: Body = {}, config: Body = {}, user: TestUser = world.editor) =>
    (
      await http()
        .post(`${base}/agents`)
        .set(user.auth)
        .send({
          name: `a-${unique()}`,
          type: 'OPPORTUNITY',
          config: {
            model: 'gpt-4o-mini',
            providerKeyId: orgKey,
            systemPrompt: 'Find opportunities.',
            inputSchema: INPUT_SCHEMA,
            temperature: 0.3,
            ...config,
          },
          ...body,
        })
        .expect(201)
    ).body as { id: string; version: number };
  const start = (agent: string, input: unknown, user: TestUser = world.editor) =>
    http().post(`${base}/agents/${agent}/executions`).set(user.auth).send({ input });
  const getExecution = async (id: string, user: TestUser = world.viewer): Promise<Execution> =>
    (await http().get(`${base}/executions/${id}`).set(user.auth).expect(200)).body as Execution;
  const finished = (id: string) =>
    until(
      () => getExecution(id),
      (e) => FINISHED.includes(e.status),
    );
  const cancel = (id: string, user: TestUser = world.editor) =>
    http().post(`${base}/executions/${id}/cancel`).set(user.auth);
  const jobState = async (id: string) =>
    (
      await t.asOwner((db) =>
        db.query<{ state: string }>(`SELECT state::text AS state FROM pgboss.job WHERE id = $1`, [id]),
      )
    ).rows[0]?.state;

  beforeAll(async () => {
    stub = await startStubLlm();
    t = await createTestApp({ env: ENV });
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}`;
    orgKey = await providerKey(t, stub, world.admin, world.org.id);
    personalKey = await providerKey(t, stub, world.editor, world.org.id, { scope: 'PERSONAL' });
    await t.asOwner((db) =>
      db.query(`UPDATE organizations SET limits = '{"agents": null, "activeExecutions": null}' WHERE id = $1`, [
        world.org.id,
      ]),
    );
    agentId = (await createAgent()).id;
  });
  beforeEach(() => stub.reset());
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  describe('POST /agents/{id}/executions', () => {
    it('answers 202 PENDING, then calls the model with the system prompt and the input as JSON, storing the JSON output, tokens and cost', async () => {
      stub.reply(() => ({ text: '{"opportunities": ["upsell"], "score": 7}', inputTokens: 1000, outputTokens: 500 }));
      const res = await start(agentId, { company: 'Acme', size: 12 }).expect(202);
      expect(res.body).toMatchObject({
        agentId,
        agentVersion: 1,
        status: 'PENDING',
        input: { company: 'Acme', size: 12 },
      });
      expect(res.headers.location).toBe(`${base}/executions/${res.body.id}`);
      const done = await finished(res.body.id);
      expect(done).toMatchObject({
        status: 'SUCCEEDED',
        output: { opportunities: ['upsell'], score: 7 },
        error: null,
        model: 'gpt-4o-mini',
        inputTokens: 1000,
        outputTokens: 500,
        costUsd: 0.00045,
        triggeredByUserId: world.editor.id,
        cancelledByUserId: null,
      });
      expect(done.startedAt).not.toBeNull();
      expect(new Date(done.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(done.startedAt!).getTime());
      expect(done.durationMs).toBeGreaterThanOrEqual(0);
      expect(stub.requests).toHaveLength(1);
      expect(stub.requests[0]).toMatchObject({
        model: 'gpt-4o-mini',
        system: 'Find opportunities.',
        messages: [{ role: 'user', content: expect.any(String) }],
      });
      // The input as JSON (its keys in the order the database keeps them).
      expect(JSON.parse(stub.requests[0]!.messages[0]!.content)).toEqual({ company: 'Acme', size: 12 });
      expect(stub.requests[0]!.body).toMatchObject({ temperature: 0.3 });
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [
          res.body.id,
        ]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['execution.started', 'execution.succeeded']);
    });

    it('stores a reply that is not JSON as {text}, and runs the config version current at its start', async () => {
      const agent = await createAgent();
      await http()
        .patch(`${base}/agents/${agent.id}`)
        .set(world.editor.auth)
        .set('If-Match', '*')
        .send({ config: { model: 'gpt-4o-mini', providerKeyId: orgKey, systemPrompt: 'Version two.' } })
        .expect(200);
      stub.reply(() => 'Plain words.');
      const done = await finished((await start(agent.id, { anything: true }).expect(202)).body.id);
      expect(done).toMatchObject({ status: 'SUCCEEDED', agentVersion: 2, output: { text: 'Plain words.' } });
      expect(stub.requests[0]!.system).toBe('Version two.');
      expect(stub.requests[0]!.body).not.toHaveProperty('temperature');
    });

    it('422 INPUT_INVALID naming the failing paths; 400 when input is not an object', async () => {
      const res = await start(agentId, { size: 0, extra: 'ok' }).expect(422);
      expect(res.body).toMatchObject({ code: 'INPUT_INVALID' });
      expect(res.body.errors).toEqual(
        expect.arrayContaining([
          { field: '/company', messages: [expect.stringContaining('company')] },
          { field: '/size', messages: [expect.stringContaining('>= 1')] },
        ]),
      );
      await start(agentId, 'text').expect(400);
      await http().post(`${base}/agents/${agentId}/executions`).set(world.editor.auth).send({}).expect(400);
      expect(stub.requests).toHaveLength(0);
    });

    it('409 AGENT_INACTIVE for an inactive agent, 404 for a deleted or unknown one', async () => {
      const inactive = await createAgent({ isActive: false });
      expect((await start(inactive.id, { company: 'A' }).expect(409)).body.code).toBe('AGENT_INACTIVE');
      const deleted = await createAgent();
      await http().delete(`${base}/agents/${deleted.id}`).set(world.editor.auth).set('If-Match', '*').expect(204);
      await start(deleted.id, { company: 'A' }).expect(404);
      await start('01936f4e-9a2b-7c3d-8e4f-5a6b7c8d9e0f', { company: 'A' }).expect(404);
    });

    it("needs EDITOR (403), a caller (401), a member (404); another member's personal key is refused (404)", async () => {
      await start(agentId, { company: 'A' }, world.viewer).expect(403);
      await http()
        .post(`${base}/agents/${agentId}/executions`)
        .send({ input: { company: 'A' } })
        .expect(401);
      await start(agentId, { company: 'A' }, world.outsider).expect(404);
      await http()
        .post(`/v1/orgs/${world.otherOrg.id}/agents/${agentId}/executions`)
        .set(world.outsider.auth)
        .send({ input: { company: 'A' } })
        .expect(404);
      const personal = await createAgent({}, { providerKeyId: personalKey });
      await start(personal.id, { company: 'A' }, world.admin).expect(404);
      const mine = await finished((await start(personal.id, { company: 'A' }).expect(202)).body.id);
      expect(mine.status).toBe('SUCCEEDED');
    });
  });

  describe('retries and failures', () => {
    it('retries retryable provider errors, then succeeds', async () => {
      stub.failNext({ status: 500 }, { status: 429 });
      const done = await finished((await start(agentId, { company: 'A' }).expect(202)).body.id);
      expect(done.status).toBe('SUCCEEDED');
      expect(stub.requests).toHaveLength(3);
    });

    it('FAILED with the error once RUN_MODEL_ATTEMPTS retryable errors are spent; at once for a non-retryable one', async () => {
      stub.reply(() => ({ status: 503, message: 'overloaded' }));
      const failed = await finished((await start(agentId, { company: 'A' }).expect(202)).body.id);
      expect(failed).toMatchObject({ status: 'FAILED', output: null, inputTokens: 0 });
      expect(failed.error).toMatch(/overloaded|503/);
      expect(stub.requests).toHaveLength(3);
      stub.reset();
      stub.reply(() => ({ status: 400, message: 'bad request' }));
      const refused = await finished((await start(agentId, { company: 'A' }).expect(202)).body.id);
      expect(refused.status).toBe('FAILED');
      expect(stub.requests).toHaveLength(1);
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [
          refused.id,
        ]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['execution.started', 'execution.failed']);
    });
  });

  describe('POST /executions/{id}/cancel', () => {
    it('cancels a running execution, aborting its model call; a finished one cannot be cancelled (409)', async () => {
      const hold = held();
      stub.reply(async () => {
        await hold.gate;
        return 'too late';
      });
      const res = await start(agentId, { company: 'A' }).expect(202);
      await until(
        () => getExecution(res.body.id),
        (e) => e.status === 'RUNNING' && stub.requests.length > 0,
      );
      await cancel(res.body.id, world.viewer).expect(403);
      const cancelled = await cancel(res.body.id).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelledByUserId: world.editor.id, output: null });
      // The call was aborted: the job ends now, long before the stub would answer.
      expect(
        await until(
          () => jobState(res.body.id),
          (state) => state === 'completed',
          5000,
        ),
      ).toBe('completed');
      hold.release();
      await sleep(300);
      expect(await getExecution(res.body.id)).toMatchObject({ status: 'CANCELLED', output: null });
      const again = await cancel(res.body.id).expect(409);
      expect(again.body.code).toBe('EXECUTION_FINISHED');
      const audit = await t.asOwner((db) =>
        db.query<{ action: string }>(`SELECT action FROM audit_logs WHERE "resourceId" = $1 ORDER BY seq`, [
          res.body.id,
        ]),
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['execution.started', 'execution.cancelled']);
      await cancel('01936f4e-9a2b-7c3d-8e4f-5a6b7c8d9e0f').expect(404);
      await http()
        .post(`/v1/orgs/${world.otherOrg.id}/executions/${res.body.id}/cancel`)
        .set(world.outsider.auth)
        .expect(404);
      await cancel(res.body.id, world.outsider).expect(404);
    });

    it('limits executions pending or running at once (activeExecutions); a cancel frees the slot', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const orgBase = `/v1/orgs/${org.id}`;
      await t.asOwner((db) =>
        db.query(`UPDATE organizations SET limits = '{"activeExecutions": 1}' WHERE id = $1`, [org.id]),
      );
      const key = await providerKey(t, stub, owner, org.id);
      const agent = await http()
        .post(`${orgBase}/agents`)
        .set(owner.auth)
        .send({ name: 'x', type: 'CUSTOM', config: { model: 'gpt-4o-mini', providerKeyId: key, systemPrompt: 's' } })
        .expect(201);
      const hold = held();
      stub.reply(async () => {
        await hold.gate;
        return 'ok';
      });
      const run = () =>
        http().post(`${orgBase}/agents/${agent.body.id}/executions`).set(owner.auth).send({ input: {} });
      const first = await run().expect(202);
      expect((await run().expect(403)).body.code).toBe('PLAN_LIMIT_REACHED');
      await http().post(`${orgBase}/executions/${first.body.id}/cancel`).set(owner.auth).expect(200);
      hold.release();
      stub.reply(() => 'ok');
      const second = await run().expect(202);
      await until(
        async () => (await http().get(`${orgBase}/executions/${second.body.id}`).set(owner.auth)).body.status,
        (status) => status === 'SUCCEEDED',
      );
    });
  });

  describe('GET /executions', () => {
    it('lists newest first with filters (agent, status, from/to) and cursor paging; reads need VIEWER', async () => {
      const agent = await createAgent();
      stub.reply(() => 'ok');
      const a = await finished((await start(agent.id, { company: 'A' }).expect(202)).body.id);
      stub.reply(() => ({ status: 400 }));
      const b = await finished((await start(agent.id, { company: 'B' }).expect(202)).body.id);
      const list = async (query: string) =>
        (await http().get(`${base}/executions?${query}`).set(world.viewer.auth).expect(200)).body as {
          data: Execution[];
          nextCursor: string | null;
        };
      expect((await list(`agentId=${agent.id}`)).data.map((e) => e.id)).toEqual([b.id, a.id]);
      expect((await list(`agentId=${agent.id}&status=FAILED`)).data.map((e) => e.id)).toEqual([b.id]);
      expect((await list(`agentId=${agent.id}&status=SUCCEEDED`)).data.map((e) => e.id)).toEqual([a.id]);
      const page = await list(`agentId=${agent.id}&limit=1`);
      expect(page.data.map((e) => e.id)).toEqual([b.id]);
      expect((await list(`agentId=${agent.id}&limit=1&cursor=${page.nextCursor}`)).data.map((e) => e.id)).toEqual([
        a.id,
      ]);
      expect((await list(`agentId=${agent.id}&from=${encodeURIComponent(b.createdAt)}`)).data.map((e) => e.id)).toEqual(
        [b.id],
      );
      expect((await list(`agentId=${agent.id}&to=${encodeURIComponent(b.createdAt)}`)).data.map((e) => e.id)).toEqual([
        a.id,
      ]);
      await http().get(`${base}/executions?status=DONE`).set(world.viewer.auth).expect(400);
      await http().get(`${base}/executions?from=yesterday`).set(world.viewer.auth).expect(400);
      await http().get(`${base}/executions?agentId=nope`).set(world.viewer.auth).expect(400);
      await http().get(`${base}/executions`).expect(401);
      await http().get(`${base}/executions`).set(world.outsider.auth).expect(404);
      // Another org sees none of them.
      const theirs = await http().get(`/v1/orgs/${world.otherOrg.id}/executions`).set(world.outsider.auth).expect(200);
      expect(theirs.body.data).toEqual([]);
      await http().get(`/v1/orgs/${world.otherOrg.id}/executions/${a.id}`).set(world.outsider.auth).expect(404);
      await http().get(`${base}/executions/not-a-uuid`).set(world.viewer.auth).expect(404);
    });
  });
});

describe('the sweep of idle executions (e2e)', () => {
  let t: TestApp;
  let stub: StubLlm;

  beforeAll(async () => {
    stub = await startStubLlm();
    // No workers here: jobs stay queued, as after a crash, for the sweep to find.
    t = await createTestApp({ env: { ...ENV, RUN_CONCURRENCY: '0', RUN_SWEEP_INTERVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });

  it('queues again a PENDING execution whose job was lost, and fails those whose job ended or vanished while RUNNING', async () => {
    const owner = await signUp(t);
    const org = await createOrg(t, owner);
    const base = `/v1/orgs/${org.id}`;
    const key = await providerKey(t, stub, owner, org.id);
    const agent = (
      await t
        .http()
        .post(`${base}/agents`)
        .set(owner.auth)
        .send({ name: 'x', type: 'CUSTOM', config: { model: 'gpt-4o-mini', providerKeyId: key, systemPrompt: 's' } })
        .expect(201)
    ).body.id;
    const start = async () =>
      (await t.http().post(`${base}/agents/${agent}/executions`).set(owner.auth).send({ input: {} }).expect(202)).body
        .id as string;
    const [lost, ended, stuck] = [await start(), await start(), await start()];
    const jobs = async () =>
      (
        await t.asOwner((db) =>
          db.query<{ id: string; state: string }>(
            `SELECT id::text, state::text FROM pgboss.job WHERE id = ANY($1::uuid[])`,
            [[lost, ended, stuck]],
          ),
        )
      ).rows;
    await until(jobs, (rows) => rows.length === 3);
    await t.asOwner(async (db) => {
      await db.query(`DELETE FROM pgboss.job WHERE id = ANY($1::uuid[])`, [[lost, stuck]]);
      await db.query(`UPDATE pgboss.job SET state = 'failed' WHERE id = $1`, [ended]);
      await db.query(`UPDATE executions SET status = 'RUNNING', "startedAt" = now() WHERE id = $1`, [stuck]);
    });
    await sleep(1100);
    const { ExecutionsRunner } = await import('../../src/modules/agents/executions.runner');
    await t.app.get(ExecutionsRunner).sweep();
    expect((await jobs()).find((j) => j.id === lost)?.state).toBe('created');
    const get = async (id: string) => (await t.http().get(`${base}/executions/${id}`).set(owner.auth).expect(200)).body;
    expect(await get(lost)).toMatchObject({ status: 'PENDING' });
    expect(await get(ended)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('failed') });
    expect(await get(stuck)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('lost') });
    expect(stub.requests).toHaveLength(0);
  });
});
