import type * as AiV7Module from 'ai-v7';
import type * as AiV7TestModule from 'ai-v7/test';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_FINDINGS, HANDOFF_TOOL, SCENARIOS, SCENARIO_SCRIPTS, enableAsyncContext, findingsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { ModelReply, Scenario, ScenarioScript } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

// Vercel AI SDK 7 with `@ai-sdk/otel` (OpenTelemetry GenAI spans:
// invoke_agent → step (agent_step) → chat / execute_tool), run offline with its
// own MockLanguageModelV4. AI SDK 7 declares Node >= 22, so on older Node the
// suite is skipped; the Node 22 CI run executes it. Installed under the alias
// `ai-v7` beside `ai@6`.
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const SUPPORTED = NODE_MAJOR >= 22;

// Type-only imports: erased, so Node 20 never loads AI SDK 7.
type AiV7 = typeof AiV7Module;
type AiV7Test = typeof AiV7TestModule;
type Model = InstanceType<AiV7Test['MockLanguageModelV4']>;
type GenerateResult = Awaited<ReturnType<Model['doGenerate']>>;
type Content = GenerateResult['content'][number];
type ToolSet = AiV7Module.ToolSet;

let ai: AiV7;
let aiTest: AiV7Test;
let h: Harness;

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };

function result(reply: Exclude<ModelReply, { status: number }>): GenerateResult {
  const content: Content[] =
    'text' in reply
      ? [{ type: 'text', text: reply.text }]
      : reply.toolCalls.map(call => ({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: JSON.stringify(call.args) }));
  return { content, finishReason: { unified: 'text' in reply ? 'stop' : 'tool-calls', raw: undefined }, usage, warnings: [] };
}

function model(script: ScenarioScript): Model {
  const replies = [...script.replies];
  return new aiTest.MockLanguageModelV4({
    doGenerate: () => {
      const reply = replies.shift() ?? { text: 'script exhausted' };
      if ('status' in reply) {
        return Promise.reject(new ai.APICallError({ message: 'Internal Server Error', url: 'http://127.0.0.1/v1/chat', requestBodyValues: {}, statusCode: reply.status }));
      }
      return Promise.resolve(result(reply));
    },
  });
}

/** The script's tools, plus the hand-off tool, which has no `execute`: the app's to run, and it never does. */
function tools(script: ScenarioScript): ToolSet {
  const anyObject = ai.jsonSchema<Record<string, unknown>>({ type: 'object' });
  const set: ToolSet = { [HANDOFF_TOOL]: ai.tool({ inputSchema: anyObject }) };
  for (const [name, execute] of Object.entries(script.tools)) set[name] = ai.tool({ inputSchema: anyObject, execute });
  return set;
}

async function runTurn(scenario: Scenario): Promise<void> {
  const script = SCENARIO_SCRIPTS[scenario]();
  await ai
    .generateText({ model: model(script), prompt: 'Weather in Paris?', tools: tools(script), maxRetries: 0, stopWhen: ai.stepCountIs(3), telemetry: { functionId: 'weather-agent' } })
    .catch(() => undefined); // the provider_500 turn rejects, as it does in an app
  await h.processor.forceFlush();
}

describe.skipIf(!SUPPORTED)(`Vercel AI SDK 7 via @ai-sdk/otel (GenAI spans; needs Node >= 22, this is Node ${NODE_MAJOR})`, () => {
  beforeAll(async () => {
    enableAsyncContext();
    ai = await import('ai-v7');
    aiTest = await import('ai-v7/test');
    const { OpenTelemetry } = await import('@ai-sdk/otel');
    h = createHarness();
    ai.registerTelemetry(new OpenTelemetry({ tracer: h.tracer, agentSpanName: 'functionId' }));
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
