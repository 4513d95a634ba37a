import { defineConfig } from 'vitest/config';

// Tests start real processes (emulator, daemon, shells, AWS CLI, Chromium), so they
// get generous timeouts and run in forked workers, two at a time on these 2-core machines.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
