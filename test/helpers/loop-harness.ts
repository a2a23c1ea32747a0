import { createHarness } from './harness.js';
import type { Harness } from './harness.js';
import type { AgentTriageSpanProcessorOptions } from '../../src/index.js';

/** Tool latency depends on machine load; loop tests count failed turns, so they leave that signal out. */
export function loopHarness(options: Partial<AgentTriageSpanProcessorOptions> = {}): Harness {
  return createHarness({ signals: { tool_latency_spike: { enabled: false } }, ...options });
}
