const { relative } = require('node:path');

/**
 * Prints the time each test file took, slowest first, and how much of it went outside its tests
 * (loading modules, booting the app, fixtures in beforeAll); then one plain closing line
 * ("tests: N passed, N failed, N skipped") that CI tools read.
 */
class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const files = results.testResults
      .map((file) => {
        const seconds = (file.perfStats.end - file.perfStats.start) / 1000;
        const inTests = file.testResults.reduce((sum, test) => sum + (test.duration ?? 0), 0) / 1000;
        return { name: relative(this.rootDir, file.testFilePath), seconds, outside: seconds - inTests };
      })
      .sort((a, b) => b.seconds - a.seconds);
    if (files.length > 1) {
      const width = Math.max(...files.map((file) => file.name.length));
      const row = (name, total, outside) => `  ${name.padEnd(width)}  ${total.padStart(7)}  ${outside.padStart(13)}\n`;
      process.stdout.write(`\n${row('test file', 'total', 'outside tests')}`);
      for (const file of files)
        process.stdout.write(row(file.name, `${file.seconds.toFixed(1)} s`, `${file.outside.toFixed(1)} s`));
      const wall = (Date.now() - results.startTime) / 1000;
      process.stdout.write(row('wall time of the run', `${wall.toFixed(1)} s`, ''));
    }
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(
      `\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`,
    );
  }
}
module.exports = SummaryReporter;
