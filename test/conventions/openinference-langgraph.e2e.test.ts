import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXPECTED_FINDINGS, SCENARIOS, SCENARIO_SCRIPTS, enableAsyncContext, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { ScriptedChatModel, instrumentLangChain, langGraphTools as tools, runLangGraphTurn } from '../helpers/langgraph-agent.js';
import { sha256Of } from '../../src/normalize/content-hash.js';

// LangGraph's prebuilt ReAct agent traced by OpenInference's LangChain
// instrumentation, through the real OTel SDK and the triage processor (the
// agent and its scripted model are in test/helpers/langgraph-agent.ts).

let h: Harness;

async function runTurn(scenario: Scenario): Promise<void> {
  await runLangGraphTurn(scenario);
  await h.processor.forceFlush();
}

describe('OpenInference (LangGraph through @arizeai/openinference-instrumentation-langchain)', () => {
  beforeAll(() => {
    enableAsyncContext();
    h = createHarness();
    // The instrumentation patches LangChain's callback manager once per process; spans go to our provider.
    const provider = new TracerProvider({ spanProcessors: [h.processor] });
    instrumentLangChain(provider);
  });
  beforeEach(() => {
    h.exporter.reset();
    h.findings.length = 0;
  });

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    await runTurn(scenario);
    expect(findingsOf(h.findings)).toEqual(EXPECTED_FINDINGS[scenario]);
    expect(h.findings.every(f => f.agentName === 'weather_agent')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['weather_agent']);
  });

  it('inside an HTTP server span, the top CHAIN is still the turn root', async () => {
    await h.tracer.startActiveSpan('POST /chat', async span => {
      await runTurn('tool_throws');
      span.end();
    });
    await h.processor.forceFlush();
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['weather_agent']);
    expect(h.findings.map(f => [f.signal, f.agentName])).toEqual([['tool_error', 'weather_agent']]);
  });

  it('a model without OpenAI-style tool calls: planned calls are not captured, and health says so on the root', async () => {
    const script = SCENARIO_SCRIPTS.planned_not_executed();
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const agent = createReactAgent({
      llm: new ScriptedChatModel(SCENARIO_SCRIPTS.healthy().replies, { openAiStyle: false }),
      tools: tools(script),
      name: 'weather_agent',
    });
    await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    await h.processor.forceFlush();
    const root = turnRoots(h.spans())[0];
    expect(root?.events.filter(e => e.name === 'agent_triage.instrumentation_health').map(e => e.attributes)).toEqual([
      {
        'agent_triage.health.cause': 'content_not_captured',
        'agent_triage.convention': 'openinference',
        'agent_triage.signal': 'skipped_planned_call',
        'agent_triage.health.field': 'plannedToolCalls',
      },
    ]);
  });

  it('names the failing tool and the session', async () => {
    await runTurn('tool_throws');
    expect(h.findings.map(f => [f.signal, f.toolName])).toEqual([['tool_error', 'get_time']]);
    const root = turnRoots(h.spans())[0];
    expect(root?.attributes['session.id']).toBe('session-1');
  });

  it('same arguments with different results: hashes the tool message content, not its envelope', async () => {
    await runTurn('same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.toolName, second?.toolName]).toEqual(['get_weather', 'get_weather']);
    // LangChain tool spans carry no call id; matching falls back to name and order.
    expect([first?.toolCallId, second?.toolCallId]).toEqual([undefined, undefined]);
    expect(first?.argsHash && sha256Of(first.argsHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });

  it('the same result twice hashes equal although each ToolMessage envelope has its own call id', async () => {
    const script = SCENARIO_SCRIPTS.same_args_different_results();
    const sameEveryTime = { get_weather: () => Promise.resolve({ city: 'Paris', temp: 14 }) };
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const agent = createReactAgent({ llm: new ScriptedChatModel(script.replies), tools: tools({ ...script, tools: sameEveryTime }), name: 'weather_agent' });
    await agent.invoke({ messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    await h.processor.forceFlush();
    const [first, second] = toolViews(h.spans());
    expect(first?.resultHash && sha256Of(first.resultHash)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first?.resultHash).toBe(second?.resultHash);
  });
});
