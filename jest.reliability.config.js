// Reliability suite (`npm run test:reliability`): fuzzing of every operation, load with
// reconciliation, and database faults. Bounded to a few minutes; run by CI after the browser tests.
const base = require('./jest.config.js');

const e2e = base.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  testTimeout: 300_000,
  // One file at a time: each loads the machine on purpose, and timings are part of what is checked.
  maxWorkers: 1,
  reporters: base.reporters,
  projects: [
    { ...e2e, displayName: 'reliability', testMatch: ['<rootDir>/test/reliability/**/*.reliability-spec.ts'] },
  ],
};
