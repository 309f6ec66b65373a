// Browser tests (`npm run test:browser`): Chromium drives real pages against a listening app.
// They need Debian's chromium (CI installs it), so they are not part of `npm test`.
const base = require('./jest.config.js');

const e2e = base.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  testTimeout: 120_000,
  reporters: base.reporters,
  projects: [{ ...e2e, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] }],
};
