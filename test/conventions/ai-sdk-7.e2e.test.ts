import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FINDINGS, SCENARIOS, enableAsyncContext, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { AI_SDK_7_SUITE, AI_SDK_7_SUPPORTED, AiSdk7Agent } from '../helpers/ai-sdk-7-agent.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

// Vercel AI SDK 7 with `@ai-sdk/otel` (OpenTelemetry GenAI spans), run offline
// with its own MockLanguageModelV4 (test/helpers/ai-sdk-7-agent.ts). AI SDK 7
// declares Node >= 22, so on older Node the suite is skipped; the Node 22 CI
// run executes it.

let agent: AiSdk7Agent;
let h: Harness;

async function runTurn(scenario: Scenario): Promise<void> {
  await agent.runTurn(scenario);
  await h.processor.forceFlush();
}

describe.skipIf(!AI_SDK_7_SUPPORTED)(AI_SDK_7_SUITE, () => {
  beforeAll(async () => {
    enableAsyncContext();
    h = createHarness();
    agent = await AiSdk7Agent.register(h.tracer);
  });

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    h.exporter.reset();
    h.findings.length = 0;
    await runTurn(scenario);
    expect(findingsOf(h.findings)).toEqual(EXPECTED_FINDINGS[scenario]);
    expect(h.findings.every(f => f.agentName === 'weather-agent')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['invoke_agent weather-agent']);
  });

  it('provider 500 carries the HTTP status (AI SDK 7 sets it; AI SDK 6 does not)', async () => {
    h.exporter.reset();
    h.findings.length = 0;
    await runTurn('provider_500');
    expect(h.findings.map(f => [f.signal, f.details['http.response.status_code'], f.details['transient']])).toEqual([['provider_error', 500, true]]);
  });

  it('same arguments with different results: same tool and args hash, different result hash', async () => {
    h.exporter.reset();
    await runTurn('same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.convention, first?.toolName, second?.toolName]).toEqual(['genai', 'get_weather', 'get_weather']);
    expect([first?.toolCallId, second?.toolCallId]).toEqual(['call_1', 'call_2']);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });
});
