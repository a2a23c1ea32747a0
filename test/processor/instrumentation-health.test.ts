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

  it("carries a signal's own notices on the same channel: metric, span event on the span concerned, callback, one warning", async () => {
    const warnings: string[] = [];
    const logger: DiagLogger = { error: () => undefined, warn: message => warnings.push(message), info: () => undefined, debug: () => undefined, verbose: () => undefined };
    diag.setLogger(logger, DiagLogLevel.WARN);
    const h = createHarness();
    const pick = (i: number): void => {
      h.tracer
        .startSpan('execute_tool random_pick', {
          attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'random_pick', 'gen_ai.tool.call.arguments': '{"from":10}', 'gen_ai.tool.call.result': String(i) },
        })
        .end();
    };
    for (let i = 0; i < 20; i++) pick(i);
    // A score outside the scale, read from a turn root: the notice goes on that root.
    h.tracer.startSpan('invoke_agent support-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-agent', 'gen_ai.evaluation.score.value': 5 } }).end();
    await h.processor.forceFlush();

    const points = await h.metric(METRIC);
    expect(sumWhere(points, { 'agent_triage.health.cause': 'learned_non_deterministic', 'agent_triage.convention': 'genai', 'agent_triage.signal': 'tool_result_mismatch' })).toBe(1);
    expect(sumWhere(points, { 'agent_triage.health.cause': 'score_out_of_range', 'agent_triage.convention': 'genai', 'agent_triage.signal': 'satisfaction_drop' })).toBe(1);
    const events = healthEvents(h.spans());
    expect(events).toEqual([
      expect.objectContaining({
        span: 'execute_tool random_pick',
        'agent_triage.health.cause': 'learned_non_deterministic',
        'agent_triage.signal': 'tool_result_mismatch',
        'agent_triage.health.field': 'resultHash',
        'agent_triage.health.subject': 'random_pick',
        'agent_triage.detail.gen_ai.tool.name': 'random_pick',
      }),
      expect.objectContaining({ span: 'invoke_agent support-agent', 'agent_triage.health.cause': 'score_out_of_range', 'agent_triage.detail.score': 5 }),
    ]);
    expect(h.healthNotices.map(n => [n.signal, n.cause, n.convention, n.subject])).toEqual([
      ['tool_result_mismatch', 'learned_non_deterministic', 'genai', 'random_pick'],
      ['satisfaction_drop', 'score_out_of_range', 'genai', undefined],
    ]);
    expect(warnings).toEqual([
      'agent-triage: signal tool_result_mismatch cannot evaluate genai spans: its repeats mostly differ, so it is treated as non-deterministic from now on (resultHash, random_pick).',
      'agent-triage: signal satisfaction_drop cannot evaluate genai spans: a score lies outside scoreMin..scoreMax (score).',
    ]);
  });
});
