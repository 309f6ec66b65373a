// Scale-out suite (`npm run test:scaleout`): two built servers on one PostgreSQL and one Redis
// behind nginx (started once by test/scaleout/global-setup.ts), the specs of test/scaleout, and
// e2e files run through that pair. Needs DATABASE_URL, redis-server and nginx (CI installs them).
const { spawnSync } = require('node:child_process');
const base = require('./jest.config.js');

// As test/scaleout/support/services.ts: without these the pair does not start, and e2e files would
// only run in-process again.
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const pairPossible = Boolean(process.env.DATABASE_URL) && has('redis-server') && has('nginx');

const e2e = base.projects.find((project) => project.displayName === 'e2e');
const withPair = {
  ...e2e,
  globalSetup: '<rootDir>/test/scaleout/global-setup.ts',
  globalTeardown: '<rootDir>/test/scaleout/global-teardown.ts',
};

// The e2e files the pair serves (test/support/pair.ts). The others boot apps of their own (test
// controllers or modules, other settings, log capture) and would only repeat `npm test`. A few
// tests in these files watch the app in the test process and are skipped here (itInProcess).
// PAIR_E2E_FILES=orgs,auth runs just those.
const THROUGH_THE_PAIR = process.env.PAIR_E2E_FILES?.split(',') ?? [
  'admin',
  'api-keys',
  'audit-logs',
  'auth',
  'automation-schema',
  'canvas-models',
  'canvases',
  'chat-schema',
  'conversation-templates',
  'cursors',
  'database-constraints',
  'db-context',
  'hostile-input',
  'identity-rls',
  'invitations',
  'isolation',
  'me',
  'members',
  'openapi',
  'orgs',
  'prompts',
  'scenario-suites',
  'scenarios',
  'share-links',
  'usage',
  'user-deletion',
  'variables',
  'workbench-schema',
];

module.exports = {
  testTimeout: 120_000,
  // One file at a time: the files share the pair, its database, its Redis and its mail port.
  maxWorkers: 1,
  reporters: base.reporters,
  projects: [
    { ...withPair, displayName: 'scaleout', testMatch: ['<rootDir>/test/scaleout/**/*.scaleout-spec.ts'] },
    ...(pairPossible
      ? [
          {
            ...withPair,
            displayName: 'e2e through the pair',
            testMatch: THROUGH_THE_PAIR.map((name) => `<rootDir>/test/e2e/${name}.e2e-spec.ts`),
          },
        ]
      : []),
  ],
};
