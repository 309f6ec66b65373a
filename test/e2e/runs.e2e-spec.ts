import { setTimeout as sleep } from 'node:timers/promises';
import { createOrg, orgWithEveryRole, serviceApiKey, signUp, unique, type TestUser } from '../factories';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startStubLlm, type StubLlm, type StubRequest } from '../support/stub-llm';
import { createTestApp, type TestApp } from '../support/test-app';
import { RunsService } from '../../src/modules/runs/runs.service';

type Body = Record<string, unknown>;
type Run = {
  id: string;
  status: string;
  progress: { done: number; total: number };
  passedCount: number;
  failedCount: number;
  errorCount: number;
  score: number | null;
  inputTokens: number;
  rerunOfId: string | null;
  results: {
    scenarioId: string;
    status: string;
    transcript: { role: string; text: string; attempts?: number; turnIndex: number | null }[];
    expectations: { type: string; passed: boolean; score: number | null; reason: string | null }[];
    attempts: number;
    error: string | null;
    latencyMs: number | null;
    inputTokens: number;
  }[];
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

const JUDGE_MARK = 'strict evaluator';
const isJudge = (request: StubRequest) => (request.system ?? '').includes(JUDGE_MARK);
/** Replies of the stub: the judge approves; the model echoes the user, politely. */
const politeEcho = (request: StubRequest) =>
  isJudge(request)
    ? '```json\n{"pass": true, "score": 0.9, "reason": "It is polite"}\n```'
    : `Sorry, here is your answer to: ${request.messages.at(-1)?.content ?? ''}`;

const EXPECT_ANSWER = { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['answer'] }] };
const EXPECT_REFUND = { type: 'EXPECT', expectations: [{ type: 'MUST_CONTAIN', values: ['refund'] }] };
const EXPECT_POLITE = { type: 'EXPECT', expectations: [{ type: 'SEMANTIC_ASSERT', assertion: 'The reply is polite' }] };

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > end) return value;
    await sleep(100);
  }
}

const FINISHED = ['PASSED', 'FAILED', 'ERROR', 'CANCELLED'];

describe('evaluation runs (e2e)', () => {
  let t: TestApp;
  let stub: StubLlm;
  let world: Awaited<ReturnType<typeof orgWithEveryRole>>;
  let base: string;
  let orgKey: string;
  let judgeKey: string;
  let noModelKey: string;
  let personalKey: string;
  let otherOrgKey: string;
  let passing: string;
  let failing: string;
  let semantic: string;
  let suite: string;
  let prompt: string;

  const http = () => t.http();
  const post = (path: string, body: Body, user: TestUser = world.editor) =>
    http().post(`${base}${path}`).set(user.auth).send(body);
  const start = (scenarioId: string, body: Body = {}, user: TestUser = world.editor) =>
    post(`/scenarios/${scenarioId}/runs`, { providerKeyId: orgKey, ...body }, user);
  const getRun = async (id: string, user: TestUser = world.viewer): Promise<Run> =>
    (await http().get(`${base}/runs/${id}`).set(user.auth).expect(200)).body as Run;
  const finished = (id: string) =>
    until(
      () => getRun(id),
      (run) => FINISHED.includes(run.status),
    );

  async function createKey(user: TestUser, body: Body, orgId = world.org.id): Promise<string> {
    const res = await http()
      .post(`/v1/orgs/${orgId}/provider-keys`)
      .set(user.auth)
      .send({ provider: 'OPENAI', name: `k-${unique()}`, apiKey: stub.apiKey, baseUrl: stub.openaiBaseUrl, ...body });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function createScenario(turns: Body[], orgId = world.org.id, user = world.editor): Promise<string> {
    const res = await http()
      .post(`/v1/orgs/${orgId}/scenarios`)
      .set(user.auth)
      .send({ name: `s-${unique()}`, turns });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  async function createSuite(scenarioIds: string[]): Promise<string> {
    const res = await http()
      .post(`${base}/scenario-suites`)
      .set(world.editor.auth)
      .send({ name: `suite-${unique()}` });
    expect(res.status).toBe(201);
    await http()
      .put(`${base}/scenario-suites/${res.body.id}/items`)
      .set(world.editor.auth)
      .send({ scenarioIds })
      .expect(200);
    return res.body.id as string;
  }

  beforeAll(async () => {
    stub = await startStubLlm();
    t = await createTestApp({ env: ENV });
    world = await orgWithEveryRole(t);
    base = `/v1/orgs/${world.org.id}`;
    orgKey = await createKey(world.admin, { defaultModel: 'gpt-4o-mini' });
    judgeKey = await createKey(world.admin, {
      provider: 'ANTHROPIC',
      baseUrl: stub.anthropicBaseUrl,
      defaultModel: 'claude-3-5-haiku-latest',
    });
    noModelKey = await createKey(world.admin, {});
    personalKey = await createKey(world.editor, { scope: 'PERSONAL', defaultModel: 'stub-model' });
    otherOrgKey = await createKey(world.outsider, { defaultModel: 'gpt-4o-mini' }, world.otherOrg.id);
    passing = await createScenario([{ type: 'USER', text: 'What is 2+2?' }, EXPECT_ANSWER]);
    failing = await createScenario([{ type: 'USER', text: 'Where is my order?' }, EXPECT_REFUND]);
    semantic = await createScenario([{ type: 'USER', text: 'Hello' }, EXPECT_POLITE]);
    suite = await createSuite([passing, failing]);
    const res = await http()
      .post(`${base}/prompts`)
      .set(world.editor.auth)
      .send({ name: `p-${unique()}`, content: 'You help customers of {{company}} in {{language}}.' });
    expect(res.status).toBe(201);
    prompt = res.body.id;
    await http().post(`${base}/variables`).set(world.editor.auth).send({ key: 'company', value: 'Acme' }).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await stub.close();
  });
  beforeEach(() => {
    stub.reset();
    stub.reply(politeEcho);
  });

  describe('playing', () => {
    it('plays a scenario in the background and passes it, with the rendered prompt as system message', async () => {
      const res = await start(passing, { promptId: prompt, variables: { language: 'French' } }).expect(202);
      expect(res.body).toMatchObject({
        status: 'QUEUED',
        progress: { done: 0, total: 1 },
        scenarioId: passing,
        suiteId: null,
        model: 'gpt-4o-mini',
        provider: 'OPENAI',
        promptVersion: 1,
      });
      expect(res.body).not.toHaveProperty('variables');
      expect(res.headers.location).toBe(`${base}/runs/${res.body.id}`);
      const run = await finished(res.body.id);
      expect(run).toMatchObject({ status: 'PASSED', progress: { done: 1, total: 1 }, passedCount: 1, score: 1 });
      expect(run.inputTokens).toBeGreaterThan(0);
      const [result] = run.results;
      expect(result!.transcript.map((e) => [e.role, e.text])).toEqual([
        ['system', 'You help customers of Acme in French.'],
        ['user', 'What is 2+2?'],
        ['assistant', 'Sorry, here is your answer to: What is 2+2?'],
      ]);
      expect(result!.expectations).toEqual([
        expect.objectContaining({ type: 'MUST_CONTAIN', passed: true, score: 1, reason: expect.any(String) }),
      ]);
      expect(result).toMatchObject({ status: 'PASSED', attempts: 1, error: null });
      expect(result!.latencyMs).not.toBeNull();
      const [call] = stub.requests;
      expect(call).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini',
        system: 'You help customers of Acme in French.',
      });
    });

    it('fails a scenario whose expectation fails, saying why', async () => {
      const res = await start(failing).expect(202);
      const run = await finished(res.body.id);
      expect(run).toMatchObject({ status: 'FAILED', failedCount: 1, score: 0 });
      expect(run.results[0]!.expectations[0]).toMatchObject({
        passed: false,
        reason: expect.stringContaining('refund'),
      });
    });

    it('plays a suite in its order, counting progress', async () => {
      const res = await post(`/scenario-suites/${suite}/runs`, { providerKeyId: orgKey }).expect(202);
      expect(res.body).toMatchObject({ suiteId: suite, scenarioId: null, progress: { done: 0, total: 2 } });
      const run = await finished(res.body.id);
      expect(run).toMatchObject({
        status: 'FAILED',
        progress: { done: 2, total: 2 },
        passedCount: 1,
        failedCount: 1,
        errorCount: 0,
        score: 0.5,
      });
      expect(run.results.map((r) => [r.scenarioId, r.status])).toEqual([
        [passing, 'PASSED'],
        [failing, 'FAILED'],
      ]);
    });

    it('asks the judge about SEMANTIC_ASSERT and records its score and reason', async () => {
      await start(semantic).expect(422);
      const res = await start(semantic, { judge: { providerKeyId: judgeKey } }).expect(202);
      expect(res.body).toMatchObject({ judgeProviderKeyId: judgeKey, judgeModel: 'claude-3-5-haiku-latest' });
      const run = await finished(res.body.id);
      expect(run.status).toBe('PASSED');
      expect(run.results[0]!.expectations).toEqual([
        expect.objectContaining({
          type: 'SEMANTIC_ASSERT',
          passed: true,
          score: 0.9,
          reason: expect.stringContaining('It is polite'),
          rule: { assertion: 'The reply is polite' },
        }),
      ]);
      const judged = stub.requests.find(isJudge)!;
      expect(judged).toMatchObject({ provider: 'anthropic', model: 'claude-3-5-haiku-latest' });
      expect(judged.messages[0]!.content).toContain('Sorry, here is your answer to: Hello');
    });

    it('retries a call the provider answers 429, then passes', async () => {
      stub.failNext({ status: 429, retryAfter: 0 });
      const run = await finished((await start(passing).expect(202)).body.id);
      expect(run.status).toBe('PASSED');
      const assistant = run.results[0]!.transcript.find((e) => e.role === 'assistant')!;
      expect(assistant.attempts).toBe(2);
      expect(run.results[0]!.attempts).toBe(2);
      expect(stub.requests).toHaveLength(2);
    });

    it('records an error once a 500 outlasts the retries, and never retries a failed assertion', async () => {
      stub.reply(() => ({ status: 500, message: 'upstream broke' }));
      const run = await finished((await start(passing).expect(202)).body.id);
      expect(run).toMatchObject({ status: 'ERROR', errorCount: 1 });
      expect(run.results[0]).toMatchObject({ status: 'ERROR', attempts: 3, error: expect.any(String) });
      expect(run.results[0]!.transcript.at(-1)).toMatchObject({
        role: 'assistant',
        attempts: 3,
        error: expect.any(String),
      });
      expect(stub.requests).toHaveLength(3);
      stub.reset();
      stub.reply(politeEcho);
      await finished((await start(failing).expect(202)).body.id);
      expect(stub.requests).toHaveLength(1);
    });

    it("calls with a member's personal key in the member's own runs", async () => {
      const run = await finished((await start(passing, { providerKeyId: personalKey }).expect(202)).body.id);
      expect(run.status).toBe('PASSED');
      expect(stub.requests[0]!.model).toBe('stub-model');
    });
  });

  describe('cancel, rerun, events', () => {
    it('cancels a running run, aborting the call in flight; a finished run cannot be cancelled', async () => {
      stub.reply(() => ({ text: 'answer', delayMs: 8000 }));
      const res = await start(passing).expect(202);
      await until(
        () => getRun(res.body.id),
        (run) => run.status === 'RUNNING' && stub.requests.length > 0,
      );
      const cancelled = await post(`/runs/${res.body.id}/cancel`, {}).expect(200);
      expect(cancelled.body).toMatchObject({ id: res.body.id, status: 'CANCELLED' });
      await sleep(500);
      const run = await getRun(res.body.id);
      expect(run.status).toBe('CANCELLED');
      expect(run.results[0]!.status).toBe('CANCELLED');
      const again = await post(`/runs/${res.body.id}/cancel`, {}).expect(409);
      expect(again.body.code).toBe('RUN_FINISHED');
    });

    it('reruns only the failed scenarios of a finished run, and refuses an unfinished one', async () => {
      const first = await finished((await post(`/scenario-suites/${suite}/runs`, { providerKeyId: orgKey })).body.id);
      expect(first.status).toBe('FAILED');
      const res = await post(`/runs/${first.id}/rerun?only=failed`, {}).expect(202);
      expect(res.body).toMatchObject({ rerunOfId: first.id, suiteId: suite, progress: { done: 0, total: 1 } });
      expect(res.headers.location).toBe(`${base}/runs/${res.body.id}`);
      const again = await finished(res.body.id);
      expect(again.results.map((r) => r.scenarioId)).toEqual([failing]);
      const all = await post(`/runs/${first.id}/rerun`, {}).expect(202);
      expect(all.body.progress.total).toBe(2);
      await finished(all.body.id);
      // Nothing failed: nothing to rerun.
      const passed = await finished((await start(passing).expect(202)).body.id);
      expect((await post(`/runs/${passed.id}/rerun?only=failed`, {}).expect(422)).body.code).toBe('RUN_NOT_STARTABLE');
      // Unfinished: 409.
      stub.reply(() => ({ text: 'answer', delayMs: 3000 }));
      const slow = (await start(passing).expect(202)).body.id;
      expect((await post(`/runs/${slow}/rerun`, {}).expect(409)).body.code).toBe('RUN_NOT_FINISHED');
      await post(`/runs/${slow}/cancel`, {}).expect(200);
      await post(`/runs/${first.id}/rerun?only=all`, {}).expect(400);
    });

    it('streams progress events, a final event, then ends', async () => {
      stub.reply((request) => ({ text: politeEcho(request), delayMs: 300 }));
      const res = await post(`/scenario-suites/${suite}/runs`, { providerKeyId: orgKey }).expect(202);
      const events = await http()
        .get(`${base}/runs/${res.body.id}/events`)
        .set(world.viewer.auth)
        .buffer(true)
        .parse((response, done) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => done(null, text));
        })
        .expect(200);
      expect(events.headers['content-type']).toMatch(/^text\/event-stream/);
      const parsed = (events.body as string)
        .split('\n\n')
        .filter((block) => block.startsWith('event:'))
        .map((block) => ({
          event: /^event: (\w+)/.exec(block)![1],
          data: JSON.parse(/\ndata: (.*)$/s.exec(block)![1]!) as Run,
        }));
      expect(parsed.at(-1)).toMatchObject({
        event: 'done',
        data: { status: 'FAILED', progress: { done: 2, total: 2 } },
      });
      expect(parsed.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
      const dones = parsed.map((e) => e.data.progress.done);
      expect(dones).toEqual([...dones].sort());
      expect(parsed.length).toBeGreaterThanOrEqual(2);
    });

    it('stops looking at the run once the client of the stream has gone', async () => {
      stub.reply(() => ({ text: 'answer', delayMs: 4000 }));
      const id = (await start(passing).expect(202)).body.id;
      const snapshot = jest.spyOn(t.app.get(RunsService), 'snapshot');
      // The client gives up after 800 ms (supertest aborts the request).
      await expect(
        http().get(`${base}/runs/${id}/events`).set(world.viewer.auth).buffer(true).timeout(800),
      ).rejects.toThrow();
      await sleep(700);
      const looks = snapshot.mock.calls.length;
      expect(looks).toBeGreaterThan(0);
      await sleep(1500);
      expect(snapshot.mock.calls.length).toBe(looks);
      snapshot.mockRestore();
      await post(`/runs/${id}/cancel`, {}).expect(200);
    });

    it('lists runs newest first, filtered by status, scenario and suite', async () => {
      const list = await http().get(`${base}/runs?limit=100`).set(world.viewer.auth).expect(200);
      const created = list.body.data.map((r: { createdAt: string }) => r.createdAt);
      expect(created).toEqual([...created].sort().reverse());
      const bySuite = await http().get(`${base}/runs?suiteId=${suite}&limit=100`).set(world.viewer.auth).expect(200);
      expect(bySuite.body.data.length).toBeGreaterThan(0);
      expect(bySuite.body.data.every((r: { suiteId: string }) => r.suiteId === suite)).toBe(true);
      const failed = await http().get(`${base}/runs?status=FAILED&scenarioId=${failing}`).set(world.viewer.auth);
      expect(failed.status).toBe(200);
      expect(
        failed.body.data.every((r: Run & { scenarioId: string }) => r.status === 'FAILED' && r.scenarioId === failing),
      ).toBe(true);
      const page = await http().get(`${base}/runs?limit=1`).set(world.viewer.auth).expect(200);
      expect(page.body.nextCursor).toEqual(expect.any(String));
      const next = await http().get(`${base}/runs?limit=1&cursor=${page.body.nextCursor}`).set(world.viewer.auth);
      expect(next.body.data[0].id).not.toBe(page.body.data[0].id);
      await http().get(`${base}/runs?status=DONE`).set(world.viewer.auth).expect(400);
      await http().get(`${base}/runs?cursor=garbage`).set(world.viewer.auth).expect(400);
    });
  });

  describe('refusals', () => {
    it('400 for a bad body', async () => {
      await start(passing, { providerKeyId: 'not-a-uuid' }).expect(400);
      await post(`/scenarios/${passing}/runs`, {}).expect(400);
      await start(passing, { judge: 'yes' }).expect(400);
      await start(passing, { judge: { providerKeyId: 'x' } }).expect(400);
      await start(passing, { model: '' }).expect(400);
      await start(passing, { variables: { language: 3 } }).expect(400);
    });

    it('401 without credentials, 403 below EDITOR for writes; VIEWER reads', async () => {
      await http().post(`${base}/scenarios/${passing}/runs`).send({ providerKeyId: orgKey }).expect(401);
      await http().get(`${base}/runs`).expect(401);
      await start(passing, {}, world.viewer).expect(403);
      await post(`/scenario-suites/${suite}/runs`, { providerKeyId: orgKey }, world.viewer).expect(403);
      const run = (await start(passing).expect(202)).body.id;
      await post(`/runs/${run}/cancel`, {}, world.viewer).expect(403);
      await post(`/runs/${run}/rerun`, {}, world.viewer).expect(403);
      await http().get(`${base}/runs/${run}/events`).expect(401);
      await finished(run);
    });

    it("404 for another org's scenario, suite, key or run, and for a personal key of another member", async () => {
      const theirs = await createScenario([{ type: 'USER', text: 'hi' }], world.otherOrg.id, world.outsider);
      await start(theirs).expect(404);
      await http()
        .post(`/v1/orgs/${world.otherOrg.id}/scenarios/${passing}/runs`)
        .set(world.outsider.auth)
        .send({ providerKeyId: otherOrgKey })
        .expect(404);
      await start(passing, { providerKeyId: otherOrgKey }).expect(404);
      await start(passing, { judge: { providerKeyId: otherOrgKey } }).expect(404);
      await start(passing, { providerKeyId: personalKey }, world.admin).expect(404);
      await post(`/scenario-suites/${crypto.randomUUID()}/runs`, { providerKeyId: orgKey }).expect(404);
      await start(crypto.randomUUID()).expect(404);
      await start('nope').expect(404);
      const run = (await start(passing).expect(202)).body.id;
      for (const path of [`/runs/${run}`, `/runs/${run}/events`]) {
        await http().get(`/v1/orgs/${world.otherOrg.id}${path}`).set(world.outsider.auth).expect(404);
        await http().get(`${base}${path}`).set(world.outsider.auth).expect(404);
      }
      for (const action of ['cancel', 'rerun']) {
        await http().post(`/v1/orgs/${world.otherOrg.id}/runs/${run}/${action}`).set(world.outsider.auth).expect(404);
        await post(`/runs/${crypto.randomUUID()}/${action}`, {}).expect(404);
      }
      await http().get(`${base}/runs/${crypto.randomUUID()}`).set(world.viewer.auth).expect(404);
      await http().get(`${base}/runs/${crypto.randomUUID()}/events`).set(world.viewer.auth).expect(404);
      await finished(run);
    });

    it('422 without a model, for an empty suite, or a prompt variable without value', async () => {
      expect((await start(passing, { providerKeyId: noModelKey }).expect(422)).body.code).toBe('RUN_NOT_STARTABLE');
      const res = await start(passing, { providerKeyId: noModelKey, model: 'gpt-4o-mini' }).expect(202);
      const empty = (
        await http()
          .post(`${base}/scenario-suites`)
          .set(world.editor.auth)
          .send({ name: `e-${unique()}` })
      ).body.id;
      const refused = await post(`/scenario-suites/${empty}/runs`, { providerKeyId: orgKey }).expect(422);
      expect(refused.body.errors[0].field).toBe('suite');
      const missing = await start(passing, { promptId: prompt }).expect(422);
      expect(missing.body.code).toBe('MISSING_VARIABLE');
      await start(passing, { promptId: crypto.randomUUID() }).expect(404);
      await finished(res.body.id);
    });

    it('API keys need runs:read to read and runs:write to start', async () => {
      const reader = await serviceApiKey(t, world.org.id, ['runs:read']);
      const writer = await serviceApiKey(t, world.org.id, ['runs:write', 'runs:read']);
      await http().get(`${base}/runs`).set(reader).expect(200);
      await http().post(`${base}/scenarios/${passing}/runs`).set(reader).send({ providerKeyId: orgKey }).expect(403);
      const res = await http()
        .post(`${base}/scenarios/${passing}/runs`)
        .set(writer)
        .send({ providerKeyId: orgKey })
        .expect(202);
      expect(res.body.triggeredByUserId).toBeNull();
      expect((await finished(res.body.id)).status).toBe('PASSED');
    });

    it('limits the runs an org has queued or running at once (activeRuns)', async () => {
      const owner = await signUp(t);
      const org = await createOrg(t, owner);
      const key = await createKey(owner, { defaultModel: 'gpt-4o-mini' }, org.id);
      const scenario = await createScenario([{ type: 'USER', text: 'hi' }, EXPECT_ANSWER], org.id, owner);
      stub.reply(() => ({ text: 'answer', delayMs: 4000 }));
      const run = (n: number) =>
        http()
          .post(`/v1/orgs/${org.id}/scenarios/${scenario}/runs`)
          .set(owner.auth)
          .send({ providerKeyId: key })
          .expect(n);
      const ids = [(await run(202)).body.id, (await run(202)).body.id];
      expect((await run(403)).body.code).toBe('PLAN_LIMIT_REACHED');
      for (const id of ids) await http().post(`/v1/orgs/${org.id}/runs/${id}/cancel`).set(owner.auth).expect(200);
      await run(202);
    });
  });
});

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('evaluation runs across a restart (e2e, PostgreSQL)', () => {
  // Both apps must read the same tokens and the same encrypted provider key.
  const SHARED = {
    ...ENV,
    JWT_SECRET: 'restart-test-secret-restart-test-secret-0123',
    ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  };
  let database: TestDatabase;
  let stub: StubLlm;

  beforeAll(async () => {
    database = await createTestDatabase();
    stub = await startStubLlm();
  });
  afterAll(async () => {
    await stub.close();
    await database.drop();
  });

  it('resumes the scenario an app closing mid-run was playing, on the next app, and never leaves it RUNNING', async () => {
    const first = await createTestApp({ env: SHARED, database });
    const owner = await signUp(first);
    const org = await createOrg(first, owner);
    const base = `/v1/orgs/${org.id}`;
    const key = (
      await first
        .http()
        .post(`${base}/provider-keys`)
        .set(owner.auth)
        .send({
          provider: 'OPENAI',
          name: 'k',
          apiKey: stub.apiKey,
          baseUrl: stub.openaiBaseUrl,
          defaultModel: 'gpt-4o-mini',
        })
        .expect(201)
    ).body.id;
    const scenario = (
      await first
        .http()
        .post(`${base}/scenarios`)
        .set(owner.auth)
        .send({ name: 's', turns: [{ type: 'USER', text: 'hi' }, EXPECT_ANSWER] })
        .expect(201)
    ).body.id;
    stub.reply(() => ({ text: 'answer', delayMs: 60_000 }));
    const runId = (
      await first
        .http()
        .post(`${base}/scenarios/${scenario}/runs`)
        .set(owner.auth)
        .send({ providerKeyId: key })
        .expect(202)
    ).body.id;
    await until(
      async () => stub.requests.length,
      (n) => n > 0,
    );
    await first.app.close(); // mid-call: the scenario is stopped and its job handed back to the queue

    stub.reply(() => 'the answer');
    const second = await createTestApp({ env: SHARED, database });
    try {
      const run = await until(
        async () => (await second.http().get(`${base}/runs/${runId}`).set(owner.auth).expect(200)).body as Run,
        (r) => FINISHED.includes(r.status),
        30_000,
      );
      expect(run.status).toBe('PASSED');
      expect(run.results[0]!.transcript.filter((e) => e.role === 'assistant').map((e) => e.text)).toEqual([
        'the answer',
      ]);
    } finally {
      await second.close();
    }
  });
});

describe('the sweep of idle runs (e2e)', () => {
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

  it('queues again a scenario whose job was lost, and closes as ERROR one whose job ended without a result', async () => {
    const owner = await signUp(t);
    const org = await createOrg(t, owner);
    const base = `/v1/orgs/${org.id}`;
    const key = (
      await t
        .http()
        .post(`${base}/provider-keys`)
        .set(owner.auth)
        .send({ provider: 'OPENAI', name: 'k', apiKey: stub.apiKey, baseUrl: stub.openaiBaseUrl, defaultModel: 'm' })
        .expect(201)
    ).body.id;
    const scenario = (
      await t
        .http()
        .post(`${base}/scenarios`)
        .set(owner.auth)
        .send({ name: 's', turns: [{ type: 'USER', text: 'hi' }] })
        .expect(201)
    ).body.id;
    const start = async () =>
      (
        await t
          .http()
          .post(`${base}/scenarios/${scenario}/runs`)
          .set(owner.auth)
          .send({ providerKeyId: key })
          .expect(202)
      ).body.id as string;
    const lost = await start();
    const failed = await start();
    const jobOf = async (runId: string) =>
      (
        await t.asOwner((db) =>
          db.query<{ state: string }>(
            `SELECT j.state::text AS state FROM pgboss.job j JOIN evaluation_results r ON r.id = j.id WHERE r."runId" = $1`,
            [runId],
          ),
        )
      ).rows;
    await until(
      () => jobOf(lost),
      (rows) => rows.length === 1,
    );
    await until(
      () => jobOf(failed),
      (rows) => rows.length === 1,
    );
    await t.asOwner(async (db) => {
      await db.query(`DELETE FROM pgboss.job j USING evaluation_results r WHERE r.id = j.id AND r."runId" = $1`, [
        lost,
      ]);
      await db.query(
        `UPDATE pgboss.job j SET state = 'failed' FROM evaluation_results r WHERE r.id = j.id AND r."runId" = $1`,
        [failed],
      );
    });
    await sleep(1100);
    const { RunsRunner } = await import('../../src/modules/runs/runs.runner');
    await t.app.get(RunsRunner).sweep();
    expect(await jobOf(lost)).toEqual([{ state: 'created' }]);
    const run = (await t.http().get(`${base}/runs/${failed}`).set(owner.auth).expect(200)).body as Run;
    expect(run).toMatchObject({ status: 'ERROR', errorCount: 1, progress: { done: 1, total: 1 } });
    expect(run.results[0]!.error).toContain('failed');
    expect((await t.http().get(`${base}/runs/${lost}`).set(owner.auth).expect(200)).body.status).toBe('QUEUED');
  });
});
