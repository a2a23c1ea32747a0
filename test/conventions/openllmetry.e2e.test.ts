import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCENARIOS, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { FakeChatCompletionsServer, LEAKS_A_SPAN, OPENLLMETRY_EXPECTED, OPENLLMETRY_MODULES, initializeTraceloop, runScenarioTurn } from '../helpers/openai-agent.js';
import { sha256Of } from '../../src/normalize/content-hash.js';

// OpenLLMetry (Traceloop SDK 0.27): `withAgent`/`withTool` entity spans and
// `@traceloop/instrumentation-openai` chat spans in the current GenAI format,
// with the real OpenAI client against a loopback fake model. Traceloop runs
// its own NodeSDK; our processor is its extra `processor`, and its own
// exporter is in-memory so nothing leaves the process.

const server = new FakeChatCompletionsServer();
let client: OpenAI;
let h: Harness;

async function runTurn(scenario: Scenario): Promise<void> {
  await runScenarioTurn(server, client, scenario);
  await h.processor.forceFlush();
}

describe('OpenLLMetry / Traceloop 0.27 (current GenAI format)', () => {
  beforeAll(async () => {
    h = createHarness();
    initializeTraceloop(h.processor, new InMemorySpanExporter(), OPENLLMETRY_MODULES);
    client = new OpenAI({ apiKey: 'test-key', baseURL: await server.start(), maxRetries: 0 });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    await runTurn(scenario);
    expect(findingsOf(h.findings)).toEqual(OPENLLMETRY_EXPECTED[scenario]);
    expect(h.findings.every(f => f.agentName === 'support')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['support.agent']);
  });

  it.each(SCENARIOS)('%s: the turn is marked incomplete exactly when a failed span leaked', async scenario => {
    await runTurn(scenario);
    expect(turnRoots(h.spans())[0]?.attributes['agent_triage.turn.incomplete']).toBe(LEAKS_A_SPAN.has(scenario) ? true : undefined);
  });

  it('same arguments with different results: hashes the tool input, not the decorator envelope', async () => {
    await runTurn('same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.convention, first?.toolName, second?.toolName]).toEqual(['openllmetry', 'get_weather', 'get_weather']);
    // Decorated tools carry no call id; matching falls back to name and order.
    expect([first?.toolCallId, second?.toolCallId]).toEqual([undefined, undefined]);
    expect(first?.argsHash && sha256Of(first.argsHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });
});
