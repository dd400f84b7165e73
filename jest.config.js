/** Two projects: fast unit tests beside the code, and e2e tests against the real app, database and Redis. */
const transform = { '^.+\\.ts$': 'ts-jest' };

module.exports = {
  testTimeout: 60000,
  // Two workers on the 2-core CI machine: an e2e file runs its app in the Jest process, so one worker keeps about
  // one core busy (the other mostly idles between FerretDB answers and timers). Each file has its own database and
  // Redis key prefix (test/harness/test-app.ts), so files never see each other's data.
  maxWorkers: 2,
  // A suite whose teardown timed out leaves its app's reconnecting clients behind: end the run, do not hang CI.
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
