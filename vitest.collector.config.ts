import { defineConfig } from 'vitest/config';

/** `npm run test:collector`: the tests against a real OpenTelemetry Collector built from test/collector. */
export default defineConfig({
  test: {
    include: ['test/collector/**/*.test.ts'],
    globalSetup: ['test/collector/global-setup.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Each file runs its own Collector and gateways: one file at a time on two cores.
    fileParallelism: false,
  },
});
