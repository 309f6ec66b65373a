const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// NestJS 12 and many of its dependencies ship ES modules only, and PGlite loads Node built-ins
// with import(). Jest on Node 20 cannot require ESM, so @swc/jest turns those packages (and our
// TypeScript) into CommonJS. The list is read from node_modules so a new ESM dependency needs no edit.
function packagesToTransform() {
  const root = join(__dirname, 'node_modules');
  const names = readdirSync(root).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(root, name)).map((sub) => `${name}/${sub}`) : [name],
  );
  const isEsm = (name) => {
    const file = join(root, name, 'package.json');
    if (!existsSync(file)) return false;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    return pkg.type === 'module' || name.startsWith('@electric-sql/');
  };
  return names.filter(isEsm).map((name) => name.replace(/[.+]/g, '\\$&'));
}

// ESM packages nested under another package (`@octokit/request/node_modules/content-type`): their
// own version differs from the top-level one, so they are listed by full path and transformed too.
function nestedEsmPackages() {
  const root = join(__dirname, 'node_modules');
  const isEsm = (dir) => {
    const file = join(dir, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).type === 'module';
  };
  const list = (dir) =>
    existsSync(dir)
      ? readdirSync(dir).flatMap((name) =>
          name.startsWith('@') ? readdirSync(join(dir, name)).map((sub) => `${name}/${sub}`) : [name],
        )
      : [];
  return list(root)
    .flatMap((parent) => list(join(root, parent, 'node_modules')).map((child) => `${parent}/node_modules/${child}`))
    .filter((path) => isEsm(join(root, path)))
    .map((path) => path.replace(/[.+]/g, '\\$&'));
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js|cjs|mjs)$': swc },
  transformIgnorePatterns: [
    `^(?!.*/node_modules/(${nestedEsmPackages().join('|')})/).*/node_modules/(?!(${packagesToTransform().join('|')})/)`,
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

// Projects on a database migrate one template per run (global-setup.ts) and copy it per test app.
const withDatabase = {
  ...shared,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

module.exports = {
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...withDatabase, displayName: 'service', testMatch: ['<rootDir>/test/service/**/*.service-spec.ts'] },
    { ...withDatabase, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], slowTestThreshold: 30 },
  ],
};
