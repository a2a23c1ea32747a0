import { SpanStatusCode } from '@opentelemetry/api';
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import type { ToolSet } from 'ai';
import { MockLanguageModelV3, convertArrayToReadableStream } from 'ai/test';
import type { LanguageModelV3Content, LanguageModelV3GenerateResult, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_SIGNALS, SCENARIOS, enableAsyncContext, signalsOf, toolViews, turnRoots } from '../helpers/agent-scenarios.js';
import type { Scenario } from '../helpers/agent-scenarios.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

// Vercel AI SDK 6 (`experimental_telemetry`), run offline with its own
// MockLanguageModelV3 through the real OTel SDK and the triage processor.

const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };

function toolCall(id: string, name: string, input: object): LanguageModelV3Content {
  return { type: 'tool-call', toolCallId: id, toolName: name, input: JSON.stringify(input) };
}
function respond(...content: LanguageModelV3Content[]): LanguageModelV3GenerateResult {
  const calls = content.some(part => part.type === 'tool-call');
  return { content, finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined }, usage, warnings: [] };
}

const citySchema = jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
const noArgs = jsonSchema<Record<string, never>>({ type: 'object', properties: {} });

function weatherTools(overrides: { getTime?: () => Promise<string>; temps?: number[] } = {}): ToolSet {
  const temps = [...(overrides.temps ?? [14])];
  return {
    getWeather: tool({ inputSchema: citySchema, execute: ({ city }) => Promise.resolve({ city, temp: temps.shift() ?? 0 }) }),
    getTime: tool({ inputSchema: noArgs, execute: overrides.getTime ?? (() => Promise.resolve('12:00')) }),
  };
}

interface Run {
  readonly responses?: LanguageModelV3GenerateResult[];
  readonly fail?: Error;
  readonly tools: ToolSet;
}

const runs: Record<Scenario, () => Run> = {
  healthy: () => ({
    responses: [respond(toolCall('call_1', 'getWeather', { city: 'Paris' }), toolCall('call_2', 'getTime', {})), respond({ type: 'text', text: '14°C' })],
    tools: weatherTools(),
  }),
  provider_500: () => ({
    fail: new APICallError({ message: 'Internal Server Error', url: 'http://127.0.0.1/v1/chat', requestBodyValues: {}, statusCode: 500, isRetryable: true }),
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
    // A tool with no `execute` is the app's to run; this app never does.
    responses: [respond(toolCall('call_1', 'askUser', { question: 'Which city?' }))],
    tools: { ...weatherTools(), askUser: tool({ inputSchema: jsonSchema({ type: 'object' }) }) },
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

function model(run: Run): MockLanguageModelV3 {
  const responses = [...(run.responses ?? [])];
  return new MockLanguageModelV3({
    doGenerate: () => {
      if (run.fail) return Promise.reject(run.fail);
      const next = responses.shift();
      return next ? Promise.resolve(next) : Promise.reject(new Error('script exhausted'));
    },
  });
}

async function runTurn(h: Harness, scenario: Scenario): Promise<void> {
  const run = runs[scenario]();
  await generateText({
    model: model(run),
    prompt: 'Weather in Paris?',
    tools: run.tools,
    maxRetries: 0,
    stopWhen: stepCountIs(3),
    experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', tracer: h.tracer },
  }).catch(() => undefined); // the provider_500 turn rejects, as it does in an app
  await h.processor.forceFlush();
}

describe('Vercel AI SDK 6 (ai.* spans)', () => {
  beforeAll(enableAsyncContext);

  it.each(SCENARIOS)('%s gives the same findings as every convention', async scenario => {
    const h = createHarness();
    await runTurn(h, scenario);
    expect(signalsOf(h.findings)).toEqual(EXPECTED_SIGNALS[scenario]);
    expect(h.findings.every(f => f.agentName === 'weather-agent')).toBe(true);
    expect(turnRoots(h.spans()).map(s => s.name)).toEqual(['ai.generateText']);
  });

  it('recognises the turn root at start and names the span each finding concerns', async () => {
    const h = createHarness();
    await runTurn(h, 'tool_throws');
    const [finding] = h.findings;
    const failed = h.spans().find(s => s.name === 'ai.toolCall' && s.status.code === SpanStatusCode.ERROR);
    expect(finding?.spanId).toBe(failed?.spanContext().spanId);
    expect(finding?.toolName).toBe('getTime');
    const root = h.spans().find(s => s.name === 'ai.generateText');
    expect(root?.attributes['agent_triage.turn.outcome']).toBe('failed');
  });

  it('same arguments with different results: same tool and args hash, different result hash', async () => {
    const h = createHarness();
    await runTurn(h, 'same_args_different_results');
    const [first, second] = toolViews(h.spans());
    expect([first?.toolName, second?.toolName]).toEqual(['getWeather', 'getWeather']);
    expect([first?.toolCallId, second?.toolCallId]).toEqual(['call_1', 'call_2']);
    expect(first?.argsHash).toMatch(/^sha256:/);
    expect(first?.argsHash).toBe(second?.argsHash);
    expect(first?.resultHash).not.toBe(second?.resultHash);
  });

  it('reads planned calls from a streamed step, whose tool-call input is an object', async () => {
    const h = createHarness();
    const chunks: LanguageModelV3StreamPart[][] = [
      [
        { type: 'stream-start', warnings: [] },
        { type: 'tool-call', toolCallId: 'call_1', toolName: 'getWeather', input: '{"city":"Paris"}' },
        { type: 'tool-call', toolCallId: 'call_2', toolName: 'askUser', input: '{}' },
        { type: 'finish', finishReason: { unified: 'tool-calls', raw: undefined }, usage },
      ],
    ];
    const result = streamText({
      model: new MockLanguageModelV3({ doStream: () => Promise.resolve({ stream: convertArrayToReadableStream(chunks.shift() ?? []) }) }),
      prompt: 'Weather in Paris?',
      tools: { ...weatherTools(), askUser: tool({ inputSchema: jsonSchema({ type: 'object' }) }) },
      stopWhen: stepCountIs(1),
      experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', tracer: h.tracer },
    });
    await result.consumeStream();
    await h.processor.forceFlush();
    expect(h.findings.map(f => [f.signal, f.details['gen_ai.tool.name']])).toEqual([['skipped_planned_call', 'askUser']]);
  });
});
