import { defineConfig } from 'vitest/config';

// Tests start real processes (emulator, daemon, shells, AWS CLI, Chromium), so they
// get generous timeouts and run in forked workers, two at a time on these 2-core machines.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // The SDK's note that its 2027 releases need Node 22 is for whoever upgrades it, not a test result.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The last reporter lists the real parts a local run lacked, and the apt-get line that brings them.
    reporters: ['default', 'json', './test/helpers/missingPartsReporter.ts'],
    outputFile: { json: 'test-results.json' },
  },
});
