import type { LoggerService } from '@nestjs/common';
import { hash } from 'bcrypt';
import type { KeyRing } from '../common/secrets/key-ring';
import { secretAad } from '../common/secrets/secret-columns';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
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

      // AI chat (seed 002)
      const conversation = await tx.conversation.create({
        data: { orgId, userId: owner.id, title: 'Quarterly plan', provider: 'ANTHROPIC', model: 'claude-sonnet-4-5' },
      });
      await tx.message.create({
        data: {
          orgId,
          conversationId: conversation.id,
          userId: owner.id,
          role: 'USER',
          content: 'Summarise our Q3 goals.',
        },
      });
      await tx.message.create({
        data: {
          orgId,
          conversationId: conversation.id,
          role: 'ASSISTANT',
          content: 'Grow revenue 20% and launch the canvas product.',
          inputTokens: 12,
          outputTokens: 14,
        },
      });

      // Business canvas with agents (seed 004)
      const agent = await tx.agent.create({
        data: {
          orgId,
          name: 'Opportunity finder',
          agentType: 'OPPORTUNITY',
          config: { model: 'gpt-4o', temperature: 0.2 },
          ...by,
        },
      });
      await tx.agentVersion.create({
        data: { orgId, agentId: agent.id, version: 1, config: agent.config ?? {}, ...by },
      });
      await tx.execution.create({
        data: {
          orgId,
          agentId: agent.id,
          agentVersion: 1,
          triggeredByUserId: owner.id,
          status: 'SUCCEEDED',
          input: { market: 'EU' },
          output: { opportunities: 3 },
          durationMs: 1200,
        },
      });
      const template = await tx.canvasModel.create({
        data: {
          orgId,
          name: 'Business Model Canvas',
          schema: { sections: ['partners', 'activities', 'value', 'customers'] },
          isPublished: true,
          publishedAt: new Date(),
          ...by,
        },
      });
      await tx.canvas.create({
        data: {
          orgId,
          modelId: template.id,
          createdByUserId: owner.id,
          name: 'Canvas launch plan',
          visibility: 'ORG',
          data: { value: ['Faster planning'] },
        },
      });

      // Test automation (seed 001)
      const host = await tx.host.create({
        data: { orgId, name: 'ci-runner-1', address: '127.0.0.1', port: 22, username: 'runner', ...by },
      });
      await tx.sshConnection.create({
        data: { orgId, hostId: host.id, name: 'ci-runner-1 ssh', host: '127.0.0.1', username: 'runner', ...by },
      });
      const provider = await tx.gitProvider.create({
        data: { orgId, name: 'github', displayName: 'GitHub', providerType: 'GITHUB', ...by },
      });
      await tx.repository.create({
        data: {
          orgId,
          providerId: provider.id,
          name: 'orgbase-tests',
          fullName: 'acme/orgbase-tests',
          defaultBranch: 'main',
        },
      });

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
