import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start real daemons on loopback; two workers fit two cores.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/setup/summaryReporter.ts'],
  },
});
