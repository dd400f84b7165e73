/**
 * The fault-injection suite (npm run test:faults): each scenario starts its own redis-server, FerretDB and
 * Malted processes and breaks them on purpose. One file at a time: the scenarios measure latencies.
 */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/faults/*.fault-spec.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 120_000,
  maxWorkers: 1,
  // A scenario that failed half-way may leave a client retrying; the run still ends (as jest.config.js does).
  forceExit: true,
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  globalTeardown: '<rootDir>/test/faults/global-teardown.ts',
};
