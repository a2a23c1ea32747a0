import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// A processor or gateway a test starts without a state path writes here, never into the checkout or the home folder.
const stateDir = mkdtempSync(join(tmpdir(), 'agent-triage-test-state-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    env: { AGENT_TRIAGE_STATE_PATH: join(stateDir, 'state.json'), XDG_STATE_HOME: stateDir },
  },
});
