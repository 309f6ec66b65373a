import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import SwaggerParser from '@apidevtools/swagger-parser';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Public } from '../../src/common/auth/decorators';
import { installGracefulShutdown } from '../../src/common/lifecycle/graceful-shutdown';
import { PrismaService, uuidv7 } from '../../src/database/prisma.service';
import { readMigrations } from '../../src/database/migrator';
import { DEMO_PASSWORD, DEMO_USERS } from '../../src/database/demo-seed';
import { unique } from '../factories';
import { createTestApp, type TestApp } from '../support/test-app';

class ProbeDto {
  @IsString()
  @MaxLength(20)
  name!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  count!: number;
}

/** Routes that exist only in this test, to drive the request pipeline end to end. */
const events: string[] = [];

@Public()
@Controller('probe')
class ProbeController {
  constructor(private readonly prisma: PrismaService) {}

  @Post('echo')
  echo(@Body() body: ProbeDto) {
    return body;
  }

  @Post('orgs/:slug')
  createOrg(@Param('slug') slug: string) {
    // Row-level security: an organization is created in its own scope.
    const id = uuidv7();
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('app.org_id', ${id}, true)`;
      return tx.organization.create({ data: { id, name: slug, slug } });
    });
  }

  @Post('orgs/:id/rename')
  renameOrg(@Param('id') id: string) {
    return this.prisma.organization.update({ where: { id }, data: { name: 'renamed' } });
  }

  @Get('slow')
  async slow() {
    await this.prisma.$queryRaw`SELECT 1 AS ok FROM pg_sleep(0.3)`;
    events.push('request finished');
    return { finished: true };
  }

  @Get('boom')
  boom() {
    throw new Error('select * from secrets; password=hunter2');
  }
}

describe('platform pipeline (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      controllers: [ProbeController],
      env: { BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: 'https://app.example' },
    });
  });
  afterAll(() => t.close());

  describe('health', () => {
    it('GET /health/live is 200', async () => {
      const res = await t.http().get('/health/live').expect(200);
      expect(res.body.status).toBe('ok');
    });

    it('GET /health/ready checks the database', async () => {
      const res = await t.http().get('/health/ready').expect(200);
      expect(res.body.details.database.status).toBe('up');
    });

    it('GET /health/ready reports the job queue: running, and the jobs waiting in each queue', async () => {
      const jobs = async () => (await t.http().get('/health/ready').expect(200)).body.details.jobs;
      const before = await jobs();
      expect(before).toMatchObject({ status: 'up', running: true });
      const queue = Object.keys(before.waiting)[0]!;
      expect(Object.values(before.waiting).every((n) => typeof n === 'number')).toBe(true);
      // A job due in an hour waits in its queue: no worker takes it before then.
      await t.asOwner((db) =>
        db.query(`INSERT INTO pgboss.job (name, data, start_after) VALUES ($1, '{}', now() + interval '1 hour')`, [
          queue,
        ]),
      );
      expect((await jobs()).waiting[queue]).toBe(before.waiting[queue] + 1);
    });
  });

  describe('docs', () => {
    it('serves Swagger UI at /docs', async () => {
      const res = await t.http().get('/docs').expect(200);
      expect(res.text).toContain('Swagger UI');
    });

    it('serves a valid OpenAPI document at /docs/openapi.json', async () => {
      const res = await t.http().get('/docs/openapi.json').expect(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
      await expect(SwaggerParser.validate(structuredClone(res.body))).resolves.toBeDefined();
    });
  });

  describe('request ids', () => {
    it('echoes a given X-Request-Id', async () => {
      const res = await t.http().get('/health/live').set('X-Request-Id', 'client-id-42').expect(200);
      expect(res.headers['x-request-id']).toBe('client-id-42');
    });

    it('makes one when none (or a malformed one) is given', async () => {
      const res = await t.http().get('/health/live').set('X-Request-Id', 'bad id with spaces').expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('problem+json errors', () => {
    it('404 for an unknown route', async () => {
      const res = await t.http().get('/v1/nothing-here').set('X-Request-Id', 'rid-1').expect(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        status: 404,
        code: 'NOT_FOUND',
        requestId: 'rid-1',
        type: 'urn:orgbase:problem:not-found',
      });
    });

    it('400 VALIDATION_FAILED with per-field errors', async () => {
      const res = await t
        .http()
        .post('/probe/echo')
        .send({ name: 'x'.repeat(21), count: 0 })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['count', 'name']);
    });

    it('rejects unknown body fields', async () => {
      const res = await t.http().post('/probe/echo').send({ name: 'ok', count: 1, isAdmin: true }).expect(400);
      expect(res.body.errors).toEqual([{ field: 'isAdmin', messages: [expect.stringContaining('should not exist')] }]);
    });

    it('accepts a valid body', async () => {
      await t.http().post('/probe/echo').send({ name: 'ok', count: 3 }).expect(201, { name: 'ok', count: 3 });
    });

    it('400 for malformed JSON', async () => {
      const res = await t
        .http()
        .post('/probe/echo')
        .set('content-type', 'application/json')
        .send('{"name":')
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('413 when the body is over BODY_LIMIT_BYTES', async () => {
      const res = await t
        .http()
        .post('/probe/echo')
        .send({ name: 'x'.repeat(5000), count: 1 })
        .expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('500 INTERNAL hides the error message', async () => {
      const res = await t.http().get('/probe/boom').expect(500);
      expect(res.body.code).toBe('INTERNAL');
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
    });

    it('maps a unique violation (P2002) to 409 DUPLICATE', async () => {
      const slug = `org-${unique()}`;
      await t.http().post(`/probe/orgs/${slug}`).expect(201);
      const org = { slug };
      const res = await t.http().post(`/probe/orgs/${org.slug}`).expect(409);
      expect(res.body).toMatchObject({ code: 'DUPLICATE', detail: 'A record with this slug already exists' });
    });

    it('maps a missing record (P2025) to 404 NOT_FOUND', async () => {
      const res = await t.http().post('/probe/orgs/0195f2a0-0000-7000-8000-000000000000/rename').expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
    });
  });

  describe('security headers and CORS', () => {
    it('sets helmet headers', async () => {
      const res = await t.http().get('/health/live').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    });

    it('allows configured origins only', async () => {
      const allowed = await t.http().get('/health/live').set('Origin', 'https://app.example');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      const other = await t.http().get('/health/live').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('lets a browser send If-Match and read ETag (optimistic concurrency)', async () => {
      const preflight = await t
        .http()
        .options('/v1/orgs/x/variables/y')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'PATCH')
        .set('Access-Control-Request-Headers', 'authorization, content-type, if-match');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-headers'].toLowerCase()).toContain('if-match');
      const res = await t.http().get('/health/live').set('Origin', 'https://app.example');
      expect(res.headers['access-control-expose-headers']).toContain('ETag');
    });
  });

  describe('migrations', () => {
    it('records every migration the way Prisma Migrate does', async () => {
      const rows = await t.prisma.$queryRaw<{ migration_name: string; checksum: string; finished_at: Date | null }[]>`
        SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`;
      expect(rows.map(({ migration_name, checksum }) => ({ name: migration_name, checksum }))).toEqual(
        readMigrations().map(({ name, checksum }) => ({ name, checksum })),
      );
      expect(rows.every((row) => row.finished_at !== null)).toBe(true);
    });
  });
});

describe('graceful shutdown (e2e)', () => {
  it('lets an in-flight request finish, closes the database, then exits 0', async () => {
    const t = await createTestApp({ controllers: [ProbeController] });
    await t.app.listen(0, '127.0.0.1');
    const exits: number[] = [];
    const disconnect = t.prisma.$disconnect.bind(t.prisma);
    jest.spyOn(t.prisma, '$disconnect').mockImplementation(() => {
      events.push('database closed');
      return disconnect();
    });
    const shutdown = installGracefulShutdown(t.app, { log: () => undefined, error: () => undefined }, 5000, (code) =>
      exits.push(code),
    );

    const inFlight = fetch(`${await t.app.getUrl()}/probe/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = shutdown('SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;
    expect(exits).toEqual([0]);
    expect(events).toEqual(['request finished', 'database closed']);
    await t.close().catch(() => undefined);
  });
});

describe('demo data at start (e2e)', () => {
  it('SEED_DEMO_DATA=true seeds an empty database at boot (PostgreSQL too, as docker compose runs it) and its users sign in', async () => {
    const t = await createTestApp({ env: { SEED_DEMO_DATA: 'true' } });
    try {
      const login = await t
        .http()
        .post('/v1/auth/login')
        .send({ email: DEMO_USERS[1].email, password: DEMO_PASSWORD })
        .expect(200);
      const orgs = await t.http().get('/v1/orgs').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
      expect(orgs.body.data.length).toBeGreaterThan(0);

      // The workbench shows real-looking data on first start (issue 9): a labelled prompt that
      // renders, scenarios of every expectation type in a suite, a masked key and a finished run.
      const auth = { Authorization: `Bearer ${login.body.accessToken}` };
      const acme = (orgs.body.data as { id: string; slug: string }[]).find((o) => o.slug === 'acme-labs')!;
      const org = `/v1/orgs/${acme.id}`;
      const production = await t
        .http()
        .get(`${org}/prompts/by-name/${encodeURIComponent('Support greeting')}`)
        .set(auth)
        .expect(200);
      expect(production.body).toMatchObject({
        name: 'Support greeting',
        version: 1,
        labels: expect.arrayContaining(['production']),
      });
      const scenarios = await t.http().get(`${org}/scenarios`).set(auth).expect(200);
      const types = new Set<string>();
      for (const { id } of scenarios.body.data as { id: string }[]) {
        const scenario = await t.http().get(`${org}/scenarios/${id}`).set(auth).expect(200);
        for (const turn of scenario.body.turns as { expectations: { type: string }[] }[])
          for (const expectation of turn.expectations) types.add(expectation.type);
      }
      expect([...types].sort()).toEqual([
        'MUST_CONTAIN',
        'MUST_CONTAIN_ANY',
        'MUST_NOT_CONTAIN',
        'REGEX',
        'SEMANTIC_ASSERT',
      ]);
      const suites = await t.http().get(`${org}/scenario-suites`).set(auth).expect(200);
      expect(suites.body.data).toEqual([expect.objectContaining({ name: 'Support regression', itemCount: 3 })]);
      const keys = await t.http().get(`${org}/provider-keys`).set(auth).expect(200);
      expect(keys.body.data).toEqual([
        expect.objectContaining({ provider: 'OPENAI', isDefault: true, maskedKey: expect.stringMatching(/0000$/) }),
      ]);
      const runs = await t.http().get(`${org}/runs`).set(auth).expect(200);
      expect(runs.body.data).toEqual([expect.objectContaining({ status: 'PASSED', progress: { done: 1, total: 1 } })]);
      const run = await t.http().get(`${org}/runs/${runs.body.data[0].id}`).set(auth).expect(200);
      expect(run.body.results[0]).toMatchObject({ scenarioName: 'Contact options', status: 'PASSED', passedCount: 2 });
      expect(run.body.results[0].expectations).toHaveLength(2);

      // Seeds 002 and 004 (issue 10): three organizations, one of them ENTERPRISE; the published
      // canvas models; and the chat, agent and canvas actions in an audit chain that verifies.
      expect((orgs.body.data as { name: string; tier: string }[]).map(({ name, tier }) => ({ name, tier }))).toEqual(
        expect.arrayContaining([{ name: 'Initech Enterprise', tier: 'ENTERPRISE' }]),
      );
      const models = await t.http().get(`${org}/canvas-models`).set(auth).expect(200);
      expect(models.body.data.map((model: { name: string }) => model.name).sort()).toEqual([
        'Business Model Canvas',
        'Value Proposition Canvas',
      ]);
      const versions = await t
        .http()
        .get(`${org}/canvas-models/${models.body.data[0].id}/versions`)
        .set(auth)
        .expect(200);
      expect(versions.body.data).toEqual([expect.objectContaining({ version: 1 })]);
      // Conversations are private: the owner sees their own (with its regenerated branch), not the editor's.
      const conversations = await t.http().get(`${org}/conversations`).set(auth).expect(200);
      expect(conversations.body.data).toEqual([expect.objectContaining({ title: 'Quarterly plan' })]);
      const messages = await t.http().get(`${org}/conversations/${conversations.body.data[0].id}/messages`).set(auth);
      expect(messages.body.data).toHaveLength(5);
      expect(messages.body.data[1]).toMatchObject({ role: 'ASSISTANT', siblingCount: 2, model: 'gpt-4o-mini' });
      const agents = await t.http().get(`${org}/agents`).set(auth).expect(200);
      expect(agents.body.data).toHaveLength(3);
      const executions = await t.http().get(`${org}/executions`).set(auth).expect(200);
      expect(executions.body.data.map((e: { status: string }) => e.status).sort()).toEqual([
        'FAILED',
        'SUCCEEDED',
        'SUCCEEDED',
      ]);
      const canvases = await t.http().get(`${org}/canvases`).set(auth).expect(200);
      expect(canvases.body.data).toHaveLength(2);
      const templates = await t.http().get(`${org}/conversation-templates`).set(auth).expect(200);
      expect(templates.body.data).toEqual([expect.objectContaining({ name: 'Support assistant' })]);
      // Test automation (seed 001): hosts (one checked online), a connection, providers with their repositories.
      const hosts = await t.http().get(`${org}/hosts`).set(auth).expect(200);
      expect(hosts.body.data.map((host: { status: string }) => host.status).sort()).toEqual(['ONLINE', 'PENDING']);
      const connections = await t.http().get(`${org}/connections`).set(auth).expect(200);
      expect(connections.body.data).toEqual([expect.objectContaining({ hasPassword: true })]);
      const providers = await t.http().get(`${org}/git-providers`).set(auth).expect(200);
      expect(providers.body.data).toHaveLength(2);
      expect(providers.body.data.every((p: { syncStatus: string }) => p.syncStatus === 'SYNCED')).toBe(true);
      const repositories = await t.http().get(`${org}/repositories`).set(auth).expect(200);
      expect(repositories.body.data).toHaveLength(4);
      const actions = await t.http().get(`${org}/audit-logs?limit=100`).set(auth).expect(200);
      expect(new Set(actions.body.data.map((entry: { action: string }) => entry.action))).toEqual(
        new Set([
          'conversation_template.created',
          'conversation.created',
          'agent.created',
          'execution.started',
          'canvas_model.created',
          'canvas_model.published',
          'canvas.created',
          'host.created',
          'ssh_connection.created',
          'git_provider.created',
          'auth.login', // the sign-in above
        ]),
      );
      const chain = await t.http().get(`${org}/audit-logs/verify`).set(auth).expect(200);
      expect(chain.body).toMatchObject({ valid: true });
    } finally {
      await t.close();
    }
  });
});

describe('request log (e2e)', () => {
  it('writes one line per request with its id, method, path and status, and never the credentials', async () => {
    const lines: string[] = [];
    const t = await createTestApp({
      env: { LOG_LEVEL: 'info' },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    try {
      await t.http().get('/v1/me').set('Authorization', 'Bearer secret-token-value').set('X-Request-Id', 'log-probe-1');
      await t.http().get('/health/live');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const requests = entries.filter((entry) => entry.msg === 'request completed');
      expect(requests).toEqual([
        expect.objectContaining({ reqId: 'log-probe-1', method: 'GET', url: '/v1/me', statusCode: 401 }),
      ]);
      expect(lines.join('\n')).not.toContain('secret-token-value');
      // Nest's own messages go through the same logger, with their context.
      expect(entries.some((entry) => typeof entry.context === 'string')).toBe(true);
    } finally {
      await t.close();
    }
  });
});
