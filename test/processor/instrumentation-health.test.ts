import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { enableAsyncContext } from '../helpers/agent-scenarios.js';
import { createHarness, sumWhere } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';

const METRIC = 'agent_triage.instrumentation_health';

function healthEvents(spans: readonly ReadableSpan[]): Record<string, unknown>[] {
  return spans.flatMap(s => s.events.filter(e => e.name === METRIC).map(e => ({ span: s.name, ...e.attributes })));
}

/** An AI SDK 6 turn with inputs and outputs not recorded, as privacy-minded apps run it. */
async function turnWithoutContent(h: Harness): Promise<void> {
  const replies = [
    { content: [{ type: 'tool-call' as const, toolCallId: 'call_1', toolName: 'get_weather', input: '{"city":"Paris"}' }], finishReason: { unified: 'tool-calls' as const, raw: undefined } },
    { content: [{ type: 'text' as const, text: '14°C' }], finishReason: { unified: 'stop' as const, raw: undefined } },
  ];
  const usage = { inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 7, text: 7, reasoning: 0 } };
  await generateText({
    model: new MockLanguageModelV3({
      doGenerate: () => {
        const reply = replies.shift();
        return reply ? Promise.resolve({ ...reply, usage, warnings: [] }) : Promise.reject(new Error('script exhausted'));
      },
    }),
    prompt: 'Weather in Paris?',
    tools: { get_weather: tool({ inputSchema: jsonSchema<{ city: string }>({ type: 'object' }), execute: ({ city }) => Promise.resolve({ city, temp: 14 }) }) },
    stopWhen: stepCountIs(3),
    experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', recordInputs: false, recordOutputs: false, tracer: h.tracer },
  });
  await h.processor.forceFlush();
}

describe('instrumentation_health', () => {
  beforeAll(enableAsyncContext);
  afterEach(() => {
    vi.useRealTimers();
    diag.disable();
  });

  it('counts and explains what a real library leaves out when content is not recorded', async () => {
    const h = createHarness();
    await turnWithoutContent(h);
    const points = await h.metric(METRIC);
    const where = (signal: string) => ({ 'agent_triage.health.cause': 'content_not_captured', 'agent_triage.convention': 'ai_sdk', 'agent_triage.signal': signal });
    // One tool span without arguments and without a result; one LLM step that planned calls it did
    // not record, and a turn root whose tools ran with no planned call recorded (same key: no second event).
    expect(sumWhere(points, where('tool_result_mismatch'))).toBe(2);
    expect(sumWhere(points, where('skipped_planned_call'))).toBe(2);
    expect(healthEvents(h.spans())).toEqual([
      expect.objectContaining({ span: 'ai.generateText.doGenerate', 'agent_triage.signal': 'skipped_planned_call', 'agent_triage.health.field': 'plannedToolCalls' }),
      expect.objectContaining({ span: 'ai.toolCall', 'agent_triage.signal': 'tool_result_mismatch', 'agent_triage.health.field': 'argsHash' }),
      expect.objectContaining({ span: 'ai.toolCall', 'agent_triage.signal': 'tool_result_mismatch', 'agent_triage.health.field': 'resultHash' }),
    ]);
  });

  it('stays silent on healthy, fully captured spans', async () => {
    const h = createHarness();
    runTurn(h.tracer, {
      steps: [
        { llm: { toolCalls: [{ id: 'c1', name: 'get_weather', args: { city: 'Paris' } }] } },
        { tool: { name: 'get_weather', id: 'c1', args: { city: 'Paris' }, result: { temp: 14 } } },
        { llm: { text: 'done' } },
      ],
    });
    await h.processor.forceFlush();
    expect(await h.metric(METRIC)).toEqual([]);
    expect(healthEvents(h.spans())).toEqual([]);
  });

  it('flags spans of an unknown convention, and leaves ordinary spans alone', async () => {
    const h = createHarness();
    h.tracer.startSpan('llm call', { attributes: { 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 12 } }).end();
    h.tracer.startSpan('GET /health', { attributes: { 'http.request.method': 'GET' } }).end();
    await h.processor.forceFlush();
    expect(sumWhere(await h.metric(METRIC), { 'agent_triage.health.cause': 'unknown_convention', 'agent_triage.convention': 'none', 'agent_triage.signal': 'all' })).toBe(1);
    expect(healthEvents(h.spans())).toEqual([expect.objectContaining({ span: 'llm call', 'agent_triage.health.cause': 'unknown_convention' })]);
  });

  it('rate-limits the span event per cause, counts every span, and warns once', async () => {
    // Only the clock: the SDK's flush and metric collection run on real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    const warnings: string[] = [];
    const logger: DiagLogger = { error: () => undefined, warn: message => warnings.push(message), info: () => undefined, debug: () => undefined, verbose: () => undefined };
    diag.setLogger(logger, DiagLogLevel.WARN);
    const h = createHarness({ instrumentationHealthIntervalMs: 60_000 });
    const toolWithoutName = (): void => {
      h.tracer.startSpan('execute_tool', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.call.arguments': '{}', 'gen_ai.tool.call.result': '1' } }).end();
    };
    toolWithoutName();
    toolWithoutName();
    vi.setSystemTime(Date.now() + 60_000);
    toolWithoutName();
    await h.processor.forceFlush();
    const where = { 'agent_triage.health.cause': 'missing_attribute', 'agent_triage.convention': 'genai', 'agent_triage.signal': 'tool_latency_spike' };
    expect(sumWhere(await h.metric(METRIC), where)).toBe(3);
    const latencyEvents = healthEvents(h.spans()).filter(e => e['agent_triage.signal'] === 'tool_latency_spike');
    expect(latencyEvents).toHaveLength(2);
    expect(warnings.filter(w => w.includes('tool_latency_spike'))).toEqual(['agent-triage: signal tool_latency_spike cannot evaluate genai spans: a needed attribute is missing (toolName).']);
  });
});
