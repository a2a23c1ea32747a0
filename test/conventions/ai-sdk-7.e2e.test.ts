import type * as AiV7Module from 'ai-v7';
import type * as AiV7TestModule from 'ai-v7/test';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_SIGNALS, SCENARIOS, enableAsyncContext, signalsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
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

let ai: AiV7;
let aiTest: AiV7Test;
let h: Harness;

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };

function toolCall(id: string, name: string, input: object): Content {
  return { type: 'tool-call', toolCallId: id, toolName: name, input: JSON.stringify(input) };
}
function respond(...content: Content[]): GenerateResult {
  const calls = content.some(part => part.type === 'tool-call');
  return { content, finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined }, usage, warnings: [] };
}

function weatherTools(overrides: { getTime?: () => Promise<string>; temps?: number[] } = {}): Parameters<AiV7['generateText']>[0]['tools'] {
  const temps = [...(overrides.temps ?? [14])];
  return {
    getWeather: ai.tool({
      inputSchema: ai.jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
      execute: ({ city }) => Promise.resolve({ city, temp: temps.shift() ?? 0 }),
    }),
    getTime: ai.tool({ inputSchema: ai.jsonSchema({ type: 'object', properties: {} }), execute: overrides.getTime ?? (() => Promise.resolve('12:00')) }),
  };
}

interface Run {
  readonly responses?: GenerateResult[];
  readonly fail?: Error;
  readonly tools: ReturnType<typeof weatherTools>;
}

const runs: Record<Scenario, () => Run> = {
  healthy: () => ({
    responses: [respond(toolCall('call_1', 'getWeather', { city: 'Paris' }), toolCall('call_2', 'getTime', {})), respond({ type: 'text', text: '14°C' })],
    tools: weatherTools(),
  }),
  provider_500: () => ({
    fail: new ai.APICallError({ message: 'Internal Server Error', url: 'http://127.0.0.1/v1/chat', requestBodyValues: {}, statusCode: 500, isRetryable: true }),
    tools: weatherTools(),
  }),
  tool_throws: () => ({
    responses: [respond(toolCall('call_1', 'getWeather', { city: 'Paris' }), toolCall('call_2', 'getTime', {})), respond({ type: 'text', text: 'no time' })],
    tools: weatherTools({ getTime: () => Promise.reject(new Error('clock unavailable')) }),
  }),
  loop_without_tools: () => ({
    responses: [1, 2, 3].map(n => respond(toolCall(`call_${n}`, 'lookupForecast', { city: 'Paris' }))),
    tools: weatherTools(),
  }),
  planned_not_executed: () => ({
    responses: [respond(toolCall('call_1', 'askUser', { question: 'Which city?' }))],
    tools: { ...weatherTools(), askUser: ai.tool({ inputSchema: ai.jsonSchema({ type: 'object' }) }) },
  }),
  same_args_different_results: () => ({
    responses: [
      respond(toolCall('call_1', 'getWeather', { city: 'Paris' })),
      respond(toolCall('call_2', 'getWeather', { city: 'Paris' })),
      respond({ type: 'text', text: 'it changed' }),
    ],
    tools: weatherTools({ temps: [14, 31] }),
  }),
};

async function runTurn(scenario: Scenario): Promise<void> {
  const run = runs[scenario]();
  const responses = [...(run.responses ?? [])];
  const model = new aiTest.MockLanguageModelV4({
    doGenerate: () => {
      if (run.fail) return Promise.reject(run.fail);
      const next = responses.shift();
      return next ? Promise.resolve(next) : Promise.reject(new Error('script exhausted'));
    },
  });
  await ai
    .generateText({ model, prompt: 'Weather in Paris?', tools: run.tools, maxRetries: 0, stopWhen: ai.stepCountIs(3), telemetry: { functionId: 'weather-agent' } })
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
    expect(signalsOf(h.findings)).toEqual(EXPECTED_SIGNALS[scenario]);
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
    expect([first?.convention, first?.toolName, second?.toolName]).toEqual(['genai', 'getWeather', 'getWeather']);
    expect([first?.toolCallId, second?.toolCallId]).toEqual(['call_1', 'call_2']);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });
});
