import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Collector tests need a Go toolchain and a built Collector: `npm run test:collector` (vitest.collector.config.ts).
    exclude: [...configDefaults.exclude, 'test/collector/**'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
