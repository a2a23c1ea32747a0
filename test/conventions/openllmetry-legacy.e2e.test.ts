import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCENARIOS, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { FakeChatCompletionsServer, LEAKS_A_SPAN, OPENLLMETRY_EXPECTED, runScenarioTurn } from '../helpers/openai-agent.js';
import { initializeLegacyOpenLLMetry } from '../helpers/openllmetry-legacy.js';
import { sha256Of } from '../../src/normalize/content-hash.js';

// The legacy OpenLLMetry format, still in many dashboards: the 0.22.5 OpenAI
// instrumentation (installed side by side under an alias) emits `openai.chat`
// spans with indexed `gen_ai.completion.<i>.tool_calls.<j>.{name,arguments}`,
// no call ids and `prompt_tokens`/`completion_tokens`. Agent and tool spans
// come from the same decorators as in the current format.

const server = new FakeChatCompletionsServer();
let client: OpenAI;
let h: Harness;

async function runTurn(scenario: Scenario): Promise<void> {
  await runScenarioTurn(server, client, scenario);
  await h.processor.forceFlush();
}

describe('OpenLLMetry legacy indexed format (instrumentation-openai 0.22.5)', () => {
  beforeAll(async () => {
    h = createHarness();
    initializeLegacyOpenLLMetry(h.processor, new InMemorySpanExporter());
    client = new OpenAI({ apiKey: 'test-key', baseURL: await server.start(), maxRetries: 0 });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });

  it.each(SCENARIOS)('%s gives the same findings as the current format', async scenario => {
    await runTurn(scenario);
    expect(findingsOf(h.findings)).toEqual(OPENLLMETRY_EXPECTED[scenario]);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['support.agent']);
    expect(turnRoots(h.spans())[0]?.attributes['agent_triage.turn.incomplete']).toBe(LEAKS_A_SPAN.has(scenario) ? true : undefined);
  });

  it('reads planned calls from the indexed completion keys', async () => {
    await runTurn('planned_not_executed');
    const llm = h.spans().find(s => s.name === 'openai.chat');
    expect(llm?.attributes['gen_ai.completion.0.tool_calls.0.name']).toBe('ask_user');
    expect(h.findings.map(f => [f.signal, f.details['gen_ai.tool.name']])).toEqual([['skipped_planned_call', 'ask_user']]);
  });

  it('same arguments with different results: same tool and args hash, different result hash', async () => {
    await runTurn('same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.toolName, second?.toolName]).toEqual(['get_weather', 'get_weather']);
    expect(first?.argsHash && sha256Of(first.argsHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });
});
