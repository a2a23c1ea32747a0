import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

// A processor or gateway a test starts without a state path writes here, never into the checkout or the home folder.
const stateDir = mkdtempSync(join(tmpdir(), 'agent-triage-test-state-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Collector tests need a Go toolchain and a built Collector: `npm run test:collector` (vitest.collector.config.ts).
    exclude: [...configDefaults.exclude, 'test/collector/**'],
    environment: 'node',
    testTimeout: 20_000,
    env: { AGENT_TRIAGE_STATE_PATH: join(stateDir, 'state.json'), XDG_STATE_HOME: stateDir },
  },
});
