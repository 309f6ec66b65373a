import type { LoggerService } from '@nestjs/common';
import { hash } from 'bcrypt';
import type { KeyRing } from '../common/secrets/key-ring';
import { secretAad, type SecretColumnName } from '../common/secrets/secret-columns';
import { Prisma, type PrismaClient } from '../generated/prisma/client';
import { nextLink } from '../modules/audit/audit-chain';
import { costUsd } from '../modules/llm/model-prices';
import type { DatabaseConnection } from './database-connection';
import type { TurnData } from '../modules/scenarios/scenarios.repository';
import { uuidv7 } from './prisma.service';

/** Credentials of the demo data; README.md lists them and the start-up log repeats them. */
export const DEMO_PASSWORD = 'orgbase-demo-1';
export const DEMO_USERS = [
  { email: 'platform-admin@orgbase.local', name: 'Platform Admin', platformRole: 'ADMIN' as const, role: null },
  { email: 'owner@orgbase.local', name: 'Olivia Owner', platformRole: 'USER' as const, role: 'OWNER' as const },
  { email: 'admin@orgbase.local', name: 'Adam Admin', platformRole: 'USER' as const, role: 'ADMIN' as const },
  { email: 'editor@orgbase.local', name: 'Edith Editor', platformRole: 'USER' as const, role: 'EDITOR' as const },
  { email: 'viewer@orgbase.local', name: 'Victor Viewer', platformRole: 'USER' as const, role: 'VIEWER' as const },
];

/**
 * Fills an empty database with one organization's worth of data from each of the four products.
 *
 * It writes the way the API does, under row-level security: each user under their own email, the
 * organizations and their rows as the demo owner inside each organization's scope. So it works on
 * the server's client (the app role) as well as on a client connected as the database owner.
 */
export class DemoSeeder {
  constructor(
    private readonly prisma: PrismaClient & { connection?: DatabaseConnection },
    private readonly logger: Pick<LoggerService, 'log'>,
    private readonly bcryptCost = 10,
    /** Encrypts the demo provider key; without it no provider key is seeded. */
    private readonly keyRing?: KeyRing,
  ) {}

  async seedIfEmpty(): Promise<boolean> {
    if (await this.hasUsers()) return false;
    await this.seed();
    this.logger.log(
      `Seeded demo data. Sign in with any of ${DEMO_USERS.map((user) => user.email).join(', ')} and password "${DEMO_PASSWORD}"`,
    );
    return true;
  }

  /**
   * Whether the database has any user at all. Row-level security hides every user from the app
   * role, so on the server's own client this one question is asked as the database owner.
   */
  private async hasUsers(): Promise<boolean> {
    const connection = this.prisma.connection;
    if (!connection) return (await this.prisma.user.count()) > 0;
    const { rows } = await connection.asOwner((session) =>
      session.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS any'),
    );
    return rows[0]?.any ?? false;
  }

  async seed(): Promise<void> {
    const passwordHash = await hash(DEMO_PASSWORD, this.bcryptCost);
    await this.prisma.$transaction(async (tx) => {
      const scope = (settings: { email?: string; userId?: string; orgId?: string }) =>
        tx.$executeRaw`SELECT set_config('app.email', ${settings.email ?? ''}, true),
          set_config('app.user_id', ${settings.userId ?? ''}, true),
          set_config('app.org_id', ${settings.orgId ?? ''}, true)`;
      const users = [];
      for (const demo of DEMO_USERS) {
        // A user is created under their own email, as registration does.
        await scope({ email: demo.email });
        users.push(
          await tx.user.create({
            data: {
              email: demo.email,
              name: demo.name,
              passwordHash,
              platformRole: demo.platformRole,
              emailVerifiedAt: new Date(),
            },
            select: { id: true },
          }),
        );
      }
      const owner = users[1]!;
      // Each organization in its own scope, created by the demo owner, as POST /v1/orgs does.
      const createOrg = async (data: Omit<Prisma.OrganizationUncheckedCreateInput, 'id' | 'createdByUserId'>) => {
        const id = uuidv7();
        await scope({ userId: owner.id, orgId: id });
        return tx.organization.create({ data: { ...data, id, createdByUserId: owner.id } });
      };
      const org = await createOrg({
        name: 'Acme Labs',
        slug: 'acme-labs',
        tier: 'PRO',
        featureFlags: { agents: true, chat: true },
      });
      await createOrg({ name: 'Globex', slug: 'globex', tier: 'FREE' });
      // Seed 004's third organization: the ENTERPRISE tier (no limits), owned by the demo owner.
      const enterprise = await createOrg({ name: 'Initech Enterprise', slug: 'initech', tier: 'ENTERPRISE' });
      await tx.membership.create({ data: { orgId: enterprise.id, userId: owner.id, role: 'OWNER' } });
      for (const [index, demo] of DEMO_USERS.entries()) {
        if (!demo.role) continue;
        const userId = users[index]!.id;
        // The membership in Acme Labs' scope, the profile in its user's.
        await scope({ userId, orgId: org.id });
        await tx.membership.create({ data: { orgId: org.id, userId, role: demo.role } });
        await tx.userProfile.create({ data: { userId, lastActiveOrgId: org.id } });
      }
      // Row-level security: the rows below belong to Acme Labs, made by its owner.
      await scope({ userId: owner.id, orgId: org.id });
      const orgId = org.id;
      const by = { createdByUserId: owner.id };

      // Prompt & scenario workbench (seed 000)
      await tx.variable.create({
        data: { orgId, key: 'company_name', value: 'Acme Labs', description: 'Used in greetings', ...by },
      });
      await tx.variable.create({
        data: { orgId, key: 'language', value: 'English', description: 'Language of the replies', ...by },
      });
      const prompt = await tx.prompt.create({
        data: {
          orgId,
          name: 'Support greeting',
          content: 'You are the support assistant of {{company_name}}.',
          status: 'PUBLISHED',
          tags: ['support'],
          ...by,
        },
      });
      // Two versions: production serves the first, latest is the second.
      const second = 'You are the support assistant of {{company_name}}. Answer in {{language}}.';
      await tx.promptVersion.createMany({
        data: [
          { orgId, promptId: prompt.id, version: 1, content: prompt.content, ...by },
          { orgId, promptId: prompt.id, version: 2, content: second, ...by },
        ],
      });
      await tx.prompt.update({
        where: { id: prompt.id },
        data: { content: second, latestVersion: 2, version: 2 },
      });
      await tx.promptLabel.create({
        data: { orgId, promptId: prompt.id, label: 'production', version: 1, updatedByUserId: owner.id },
      });

      // ── Scenarios and suites (issue 9): see DEMO_SCENARIOS below ──
      const { scenarioIds } = await seedScenarios(tx, orgId, owner.id);

      // ---- Provider keys (issue 9, providers helper) ----
      // The org's default OpenAI key. Its secret is fake on purpose: a test of it answers ok:false.
      let demoKeyId: string | null = null;
      if (this.keyRing) {
        const fakeSecret = 'sk-demo-FAKE-not-a-real-key-0000';
        ({ id: demoKeyId } = await tx.providerKey.create({
          data: {
            orgId,
            provider: 'OPENAI',
            name: 'OpenAI (demo, fake key)',
            encryptedKey: this.keyRing.encrypt(fakeSecret, secretAad('provider_keys.encryptedKey', orgId)),
            last4: fakeSecret.slice(-4),
            defaultModel: 'gpt-4o-mini',
            scope: 'ORG',
            isDefault: true,
            ...by,
          },
        }));
      }
      // ---- end of provider keys ----

      // Chat, agents and canvases (seeds 002 and 004), with the audit entries their routes write.
      const audit = (action: string, resourceType: string, resourceId: string, after: unknown) =>
        appendDemoAudit(tx, { orgId, actorId: owner.id, action, resourceType, resourceId, after });
      await seedChat(tx, {
        orgId,
        ownerId: owner.id,
        editorId: users[3]!.id,
        promptId: prompt.id,
        keyId: demoKeyId,
        audit,
        scope,
      });
      await seedAgents(tx, { orgId, ownerId: owner.id, keyId: demoKeyId, audit });
      await seedCanvases(tx, { orgId, ownerId: owner.id, audit });

      // Test automation (seed 001): see seedTestAutomation below.
      await seedTestAutomation(tx, { orgId, ownerId: owner.id, keyRing: this.keyRing, audit });

      // One finished run, so the runs list and a run's transcript show real-looking data.
      await seedFinishedRun(tx, orgId, owner.id, scenarioIds[1], demoKeyId);
    });
  }
}

// ── Scenarios and suites (issue 9) ─────────────────────────────────────────────────────────────
// Every expectation type, a published scenario with its snapshot, a German draft showing the
// case folding (Straße / STRASSE), and one suite holding them all in order.

interface DemoScenario {
  name: string;
  description: string;
  locale: string;
  status: 'DRAFT' | 'PUBLISHED';
  tags: string[];
  turns: TurnData[];
}

const rule = (type: TurnData['expectations'][number]['type'], fields: Partial<TurnData['expectations'][number]>) => ({
  type,
  values: [],
  pattern: null,
  assertion: null,
  caseSensitive: false,
  weight: 1,
  ...fields,
});
const user = (text: string): TurnData => ({ type: 'USER', text, expectations: [] });
const expecting = (...expectations: TurnData['expectations']): TurnData => ({
  type: 'EXPECT',
  text: null,
  expectations,
});

export const DEMO_SCENARIOS: DemoScenario[] = [
  {
    name: 'Refund request',
    description: 'The assistant explains the refund policy',
    locale: 'en',
    status: 'PUBLISHED',
    tags: ['support'],
    turns: [
      user('Can I get a refund for order 1234?'),
      expecting(
        rule('MUST_CONTAIN', { values: ['refund', '30 days'], weight: 2 }),
        rule('REGEX', { pattern: 'order #?\\d{4}' }),
        rule('SEMANTIC_ASSERT', { assertion: 'The reply says how to ask for the refund, politely', weight: 2 }),
      ),
    ],
  },
  {
    name: 'Contact options',
    description: 'The assistant names a way to reach support and promises nothing',
    locale: 'en',
    status: 'PUBLISHED',
    tags: ['support'],
    turns: [
      user('How can I reach a person?'),
      expecting(rule('MUST_CONTAIN_ANY', { values: ['email', 'phone', 'chat'] })),
      user('Will you fix it today?'),
      expecting(rule('MUST_NOT_CONTAIN', { values: ['guarantee', 'promise'] })),
    ],
  },
  {
    name: 'Office address (German)',
    description: 'Case-insensitive matching folds ß: "Straße" matches STRASSE',
    locale: 'de',
    status: 'DRAFT',
    tags: ['support', 'de'],
    turns: [
      user('Wo ist Ihr Büro?'),
      expecting(rule('MUST_CONTAIN', { values: ['Straße'] }), rule('MUST_NOT_CONTAIN', { values: ['office'] })),
    ],
  },
];

/** The demo scenarios (published ones with their version 1) and the suite holding them. */
async function seedScenarios(tx: Prisma.TransactionClient, orgId: string, ownerId: string) {
  const by = { createdByUserId: ownerId };
  const scenarioIds: string[] = [];
  for (const { turns, ...fields } of DEMO_SCENARIOS) {
    const scenario = await tx.scenario.create({ data: { orgId, ...fields, ...by } });
    scenarioIds.push(scenario.id);
    for (const [orderIndex, turn] of turns.entries()) {
      const row = await tx.scenarioTurn.create({
        data: { orgId, scenarioId: scenario.id, orderIndex, turnType: turn.type, userText: turn.text },
      });
      await tx.scenarioExpectation.createMany({
        data: turn.expectations.map(({ type, ...e }, i) => ({
          orgId,
          scenarioId: scenario.id,
          turnId: row.id,
          orderIndex: i,
          expectationType: type,
          ...e,
        })),
      });
    }
    if (fields.status === 'PUBLISHED') {
      const { name, description, locale, tags } = fields;
      const snapshot = { name, description, locale, tags, turns };
      await tx.scenarioVersion.create({
        data: {
          orgId,
          scenarioId: scenario.id,
          version: 1,
          snapshot: snapshot as unknown as Prisma.InputJsonValue,
          ...by,
        },
      });
    }
  }
  const suite = await tx.scenarioSuite.create({
    data: { orgId, name: 'Support regression', description: 'Every support scenario', tags: ['support'], ...by },
  });
  await tx.scenarioSuiteItem.createMany({
    data: scenarioIds.map((scenarioId, orderIndex) => ({ orgId, suiteId: suite.id, scenarioId, orderIndex })),
  });
  return { scenarioIds, suiteId: suite.id };
}

// ── A finished run (issue 9) ───────────────────────────────────────────────────────────────────
// "Contact options" played against gpt-4o-mini a day ago: both expectations passed. Written as
// the runner writes a run (transcript, per-expectation verdicts), not played: the demo key is fake.

async function seedFinishedRun(
  tx: Prisma.TransactionClient,
  orgId: string,
  ownerId: string,
  scenarioId: string,
  providerKeyId: string | null,
) {
  const finishedAt = new Date(Date.now() - 24 * 3600_000);
  const startedAt = new Date(finishedAt.getTime() - 3_400);
  const replies = [
    'You can reach a person by email at support@example.com or through the chat in the app.',
    'I will pass it to the team right away; they usually answer within one business day.',
  ];
  const usage = { inputTokens: 412, outputTokens: 61 };
  const run = await tx.evaluationRun.create({
    data: {
      orgId,
      scenarioId,
      status: 'PASSED',
      providerKeyId,
      provider: 'OPENAI',
      model: 'gpt-4o-mini',
      doneCount: 1,
      totalCount: 1,
      passedCount: 1,
      score: 1,
      ...usage,
      costUsd: 0.000098,
      triggeredByUserId: ownerId,
      startedAt,
      finishedAt,
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      createdAt: startedAt,
    },
  });
  const scenario = DEMO_SCENARIOS[1];
  const result = await tx.evaluationResult.create({
    data: {
      orgId,
      runId: run.id,
      orderIndex: 0,
      scenarioId,
      scenarioName: scenario.name,
      scenarioVersion: 1,
      status: 'PASSED',
      transcript: [
        { turnIndex: 0, role: 'user', text: scenario.turns[0].text! },
        { turnIndex: 0, role: 'assistant', text: replies[0], latencyMs: 1_480, inputTokens: 190, outputTokens: 27 },
        { turnIndex: 2, role: 'user', text: scenario.turns[2].text! },
        { turnIndex: 2, role: 'assistant', text: replies[1], latencyMs: 1_710, inputTokens: 222, outputTokens: 34 },
      ],
      passedCount: 2,
      score: 1,
      ...usage,
      costUsd: 0.000098,
      latencyMs: 3_190,
      attempts: 2,
      startedAt,
      finishedAt,
    },
  });
  await tx.expectationResult.createMany({
    data: [
      {
        orgId,
        resultId: result.id,
        turnIndex: 1,
        orderIndex: 0,
        expectationType: 'MUST_CONTAIN_ANY',
        rule: { values: ['email', 'phone', 'chat'], pattern: null, assertion: null, caseSensitive: false },
        passed: true,
        score: 1,
        reason: 'contains: "email", "chat"',
      },
      {
        orgId,
        resultId: result.id,
        turnIndex: 3,
        orderIndex: 0,
        expectationType: 'MUST_NOT_CONTAIN',
        rule: { values: ['guarantee', 'promise'], pattern: null, assertion: null, caseSensitive: false },
        passed: true,
        score: 1,
        reason: 'contains none of: "guarantee", "promise"',
      },
    ],
  });
}

// ── Chat, agents and canvases (issue 10: seeds 002 and 004) ─────────────────────────────────────

type Audit = (action: string, resourceType: string, resourceId: string, after: unknown) => Promise<unknown>;

/** One audit entry chained as AuditRepository.append chains it (the seed writes in one transaction). */
async function appendDemoAudit(
  tx: Prisma.TransactionClient,
  entry: { orgId: string; actorId: string; action: string; resourceType: string; resourceId: string; after: unknown },
) {
  const last = await tx.auditLog.findFirst({
    where: { orgId: entry.orgId },
    orderBy: { seq: 'desc' },
    select: { seq: true, hash: true },
  });
  const link = nextLink(
    { ...entry, actorType: 'USER', before: null, ip: null, userAgent: null, requestId: 'demo-seed' },
    last,
  );
  await tx.auditLog.create({ data: { ...link, before: Prisma.DbNull, after: link.after as Prisma.InputJsonValue } });
}

/** An assistant reply's metadata as POST …/messages stores it. */
function reply(
  provider: 'OPENAI' | 'ANTHROPIC',
  model: string,
  inputTokens: number,
  outputTokens: number,
  latencyMs: number,
) {
  return {
    role: 'ASSISTANT' as const,
    provider,
    model,
    inputTokens,
    outputTokens,
    latencyMs,
    costUsd: costUsd(provider, model, inputTokens, outputTokens),
  };
}

/**
 * Two conversations (seed 002): the owner's, with a regenerated reply on another model (a branch),
 * and the editor's, started from a template that takes its system prompt from the workbench.
 */
async function seedChat(
  tx: Prisma.TransactionClient,
  demo: {
    orgId: string;
    ownerId: string;
    editorId: string;
    promptId: string;
    keyId: string | null;
    audit: Audit;
    scope: (settings: { userId: string; orgId: string }) => Promise<unknown>;
  },
) {
  const { orgId, ownerId, editorId, audit } = demo;
  const template = await tx.conversationTemplate.create({
    data: {
      orgId,
      name: 'Support assistant',
      description: 'Answers customers with the production support prompt',
      promptId: demo.promptId,
      promptLabel: 'production',
      model: 'gpt-4o-mini',
      firstMessage: 'Hi! How can I help you today?',
      createdByUserId: ownerId,
    },
  });
  await audit('conversation_template.created', 'conversation_template', template.id, { name: template.name });

  const plan = await tx.conversation.create({
    data: {
      orgId,
      userId: ownerId,
      title: 'Quarterly plan',
      provider: 'OPENAI',
      model: 'gpt-4o-mini',
      providerKeyId: demo.keyId,
      systemPrompt: 'You are a concise planning assistant.',
    },
  });
  await audit('conversation.created', 'conversation', plan.id, { title: plan.title });
  const at = { orgId, conversationId: plan.id };
  const goals = await tx.message.create({
    data: { ...at, userId: ownerId, role: 'USER', content: 'Summarise our Q3 goals.' },
  });
  const first = await tx.message.create({
    data: {
      ...at,
      parentId: goals.id,
      content: 'Grow revenue 20% and launch the canvas product.',
      ...reply('OPENAI', 'gpt-4o-mini', 28, 12, 640),
    },
  });
  // Regenerated on another model: a sibling of the first reply (model switching mid-conversation).
  await tx.message.create({
    data: {
      ...at,
      parentId: goals.id,
      content: 'Q3: grow revenue by a fifth, ship the canvas product, and hire two engineers.',
      ...reply('OPENAI', 'gpt-4o', 28, 19, 910),
    },
  });
  const next = await tx.message.create({
    data: { ...at, parentId: first.id, userId: ownerId, role: 'USER', content: 'Which one first?' },
  });
  await tx.message.create({
    data: {
      ...at,
      parentId: next.id,
      content: 'Launch the canvas product first: revenue growth depends on it.',
      ...reply('OPENAI', 'gpt-4o-mini', 52, 13, 580),
    },
  });

  // The editor's own conversation, private to them like every conversation.
  await demo.scope({ userId: editorId, orgId });
  const support = await tx.conversation.create({
    data: {
      orgId,
      userId: editorId,
      title: 'Refund question',
      provider: 'OPENAI',
      model: 'gpt-4o-mini',
      providerKeyId: demo.keyId,
      promptId: demo.promptId,
      promptLabel: 'production',
      templateId: template.id,
    },
  });
  await appendDemoAudit(tx, {
    orgId,
    actorId: editorId,
    action: 'conversation.created',
    resourceType: 'conversation',
    resourceId: support.id,
    after: { title: support.title, templateId: template.id },
  });
  const on = { orgId, conversationId: support.id };
  const greeting = await tx.message.create({ data: { ...on, role: 'ASSISTANT', content: template.firstMessage! } });
  const question = await tx.message.create({
    data: { ...on, parentId: greeting.id, userId: editorId, role: 'USER', content: 'Can I return an opened box?' },
  });
  await tx.message.create({
    data: {
      ...on,
      parentId: question.id,
      content: 'Yes, within 30 days of delivery. Ask for the refund from your order page.',
      ...reply('OPENAI', 'gpt-4o-mini', 61, 17, 720),
    },
  });
  await demo.scope({ userId: ownerId, orgId });
}

const DEMO_AGENTS = [
  {
    name: 'Opportunity finder',
    agentType: 'OPPORTUNITY' as const,
    description: 'Finds expansion opportunities in a market',
    systemPrompt: 'List the three most promising opportunities for the given market, as JSON.',
    input: { market: 'EU' },
    output: { opportunities: ['Mid-size retailers', 'Logistics', 'Public sector'] },
    inputSchema: {
      type: 'object',
      properties: { market: { type: 'string', minLength: 2 } },
      required: ['market'],
      additionalProperties: false,
    },
  },
  {
    name: 'Target profiler',
    agentType: 'TARGET' as const,
    description: 'Describes the ideal customer of a segment',
    systemPrompt: 'Describe the ideal customer of the given segment in three sentences.',
    input: { segment: 'Mid-size retailers' },
    output: { text: 'Retailers with 50 to 500 staff who plan quarterly and still use spreadsheets.' },
    inputSchema: {
      type: 'object',
      properties: { segment: { type: 'string' } },
      required: ['segment'],
    },
  },
  {
    name: 'Value realization tracker',
    agentType: 'REALIZATION' as const,
    description: 'Compares promised and realised value',
    systemPrompt: 'Compare the promised value with the measured one and explain the gap.',
    input: { promised: 'Save 10 hours a week', measured: 'Saved 6 hours a week' },
    output: null,
    inputSchema: undefined,
  },
];

/** Three agents (seed 004) with a version each and one execution each: two succeeded, one failed. */
async function seedAgents(
  tx: Prisma.TransactionClient,
  demo: { orgId: string; ownerId: string; keyId: string | null; audit: Audit },
) {
  const { orgId, ownerId, audit } = demo;
  for (const [index, agent] of DEMO_AGENTS.entries()) {
    const config = {
      model: 'gpt-4o-mini',
      providerKeyId: demo.keyId,
      systemPrompt: agent.systemPrompt,
      temperature: 0.2,
      ...(agent.inputSchema ? { inputSchema: agent.inputSchema } : {}),
    };
    const row = await tx.agent.create({
      data: {
        orgId,
        name: agent.name,
        description: agent.description,
        agentType: agent.agentType,
        config,
        createdByUserId: ownerId,
      },
    });
    await tx.agentVersion.create({ data: { orgId, agentId: row.id, version: 1, config, createdByUserId: ownerId } });
    await audit('agent.created', 'agent', row.id, { name: agent.name, agentType: agent.agentType });

    const finishedAt = new Date(Date.now() - (index + 1) * 3600_000);
    const durationMs = 900 + index * 400;
    const usage = { inputTokens: 180 + index * 40, outputTokens: agent.output ? 60 + index * 20 : 0 };
    const execution = await tx.execution.create({
      data: {
        orgId,
        agentId: row.id,
        agentVersion: 1,
        triggeredByUserId: ownerId,
        status: agent.output ? 'SUCCEEDED' : 'FAILED',
        input: agent.input,
        ...(agent.output
          ? { output: agent.output }
          : { error: 'OpenAI answered 429: rate limited (after 3 attempts)' }),
        model: 'gpt-4o-mini',
        ...usage,
        costUsd: agent.output ? costUsd('OPENAI', 'gpt-4o-mini', usage.inputTokens, usage.outputTokens) : null,
        startedAt: new Date(finishedAt.getTime() - durationMs),
        finishedAt,
        durationMs,
      },
    });
    await audit('execution.started', 'execution', execution.id, { agentId: row.id, agentVersion: 1 });
  }
}

const DEMO_CANVAS_MODELS = [
  {
    name: 'Business Model Canvas',
    description: 'The nine building blocks of a business model',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: Object.fromEntries(
        [
          'partners',
          'activities',
          'resources',
          'value',
          'relationships',
          'channels',
          'customers',
          'costs',
          'revenue',
        ].map((block) => [block, { type: 'array', items: { type: 'string', minLength: 1 } }]),
      ),
      required: ['value', 'customers'],
      additionalProperties: false,
    },
    canvas: {
      name: 'Canvas launch plan',
      visibility: 'ORG' as const,
      data: { value: ['Faster planning'], customers: ['Mid-size retailers'], channels: ['Partners', 'Web'] },
    },
  },
  {
    name: 'Value Proposition Canvas',
    description: 'Customer jobs, pains and gains against what the product offers',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        segment: { type: 'string', minLength: 1 },
        jobs: { type: 'array', items: { type: 'string' } },
        pains: { type: 'array', items: { type: 'string' } },
        gains: { type: 'array', items: { type: 'string' } },
      },
      required: ['segment'],
      additionalProperties: false,
    },
    canvas: {
      name: 'Retail value proposition',
      visibility: 'PRIVATE' as const,
      data: {
        segment: 'Mid-size retailers',
        jobs: ['Plan the quarter'],
        pains: ['Spreadsheets drift'],
        gains: ['One plan'],
      },
    },
  },
];

/** Two canvas models (seed 004), each published as version 1, and a canvas on each. */
async function seedCanvases(tx: Prisma.TransactionClient, demo: { orgId: string; ownerId: string; audit: Audit }) {
  const { orgId, ownerId, audit } = demo;
  for (const model of DEMO_CANVAS_MODELS) {
    const row = await tx.canvasModel.create({
      data: {
        orgId,
        name: model.name,
        description: model.description,
        schema: model.schema,
        isPublished: true,
        publishedAt: new Date(),
        createdByUserId: ownerId,
      },
    });
    await tx.canvasModelVersion.create({
      data: { orgId, modelId: row.id, version: 1, schema: model.schema, createdByUserId: ownerId },
    });
    await audit('canvas_model.created', 'canvas_model', row.id, { name: model.name });
    await audit('canvas_model.published', 'canvas_model', row.id, { version: 1 });

    const canvas = await tx.canvas.create({
      data: { orgId, modelId: row.id, modelVersion: 1, createdByUserId: ownerId, ...model.canvas },
    });
    await tx.canvasVersion.create({
      data: { orgId, canvasId: canvas.id, version: 1, data: model.canvas.data, createdByUserId: ownerId },
    });
    await audit('canvas.created', 'canvas', canvas.id, { name: canvas.name, visibility: canvas.visibility });
  }
}

// ── Test automation (issue 11: seed 001) ────────────────────────────────────────────────────────

/**
 * Two hosts (checked once: one online, one never checked), an SSH connection to the first, a
 * GitHub and a GitLab provider, and repositories from their last sync. Secrets (fake) only with a
 * key ring: the database refuses them in clear.
 */
async function seedTestAutomation(
  tx: Prisma.TransactionClient,
  demo: { orgId: string; ownerId: string; keyRing?: KeyRing; audit: Audit },
) {
  const { orgId, ownerId, keyRing, audit } = demo;
  const by = { createdByUserId: ownerId };
  const seal = (column: SecretColumnName, value: string) => keyRing?.encrypt(value, secretAad(column, orgId)) ?? null;
  const runner = await tx.host.create({
    data: {
      orgId,
      name: 'ci-runner-1',
      description: 'Linux runner for the nightly suite',
      hostType: 'LINUX',
      address: '127.0.0.1',
      port: 22,
      username: 'runner',
      encryptedPassword: seal('hosts.encryptedPassword', 'demo-runner-password'),
      status: 'ONLINE',
      lastCheckedAt: new Date(Date.now() - 3600_000),
      lastLatencyMs: 3,
      ...by,
    },
  });
  await tx.host.create({
    data: { orgId, name: 'win-agent-1', hostType: 'WINDOWS', address: '10.0.0.25', port: 5985, username: 'qa', ...by },
  });
  await audit('host.created', 'host', runner.id, { name: runner.name });
  if (keyRing) {
    const connection = await tx.sshConnection.create({
      data: {
        orgId,
        hostId: runner.id,
        name: 'ci-runner-1 ssh',
        host: '127.0.0.1',
        port: 22,
        username: 'runner',
        encryptedPassword: seal('ssh_connections.encryptedPassword', 'demo-runner-password'),
        ...by,
      },
    });
    await audit('ssh_connection.created', 'ssh_connection', connection.id, { name: connection.name });
  }
  const lastSyncedAt = new Date(Date.now() - 2 * 3600_000);
  const providers = [
    { name: 'github', displayName: 'GitHub', providerType: 'GITHUB' as const, serverUrl: null, owner: 'acme' },
    {
      name: 'gitlab',
      displayName: 'GitLab (self-hosted)',
      providerType: 'GITLAB' as const,
      serverUrl: 'https://gitlab.acme.example',
      owner: 'qa',
    },
  ];
  for (const [index, provider] of providers.entries()) {
    const row = await tx.gitProvider.create({
      data: {
        orgId,
        name: provider.name,
        displayName: provider.displayName,
        providerType: provider.providerType,
        serverUrl: provider.serverUrl,
        encryptedAccessToken: seal('git_providers.encryptedAccessToken', `demo-fake-token-${provider.name}`),
        syncStatus: 'SYNCED',
        lastSyncedAt,
        ...by,
      },
    });
    await audit('git_provider.created', 'git_provider', row.id, { name: provider.name });
    const web = provider.serverUrl ?? 'https://github.com';
    for (const [n, name] of ['orgbase-tests', 'e2e-fixtures'].entries()) {
      await tx.repository.create({
        data: {
          orgId,
          providerId: row.id,
          externalId: String(1000 * (index + 1) + n),
          name,
          fullName: `${provider.owner}/${name}`,
          description: n === 0 ? 'End-to-end tests' : 'Fixtures for the tests',
          url: `${web}/${provider.owner}/${name}`,
          defaultBranch: 'main',
          isPrivate: n === 1,
          syncStatus: 'SYNCED',
          lastSyncedAt,
        },
      });
    }
  }
}
