import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import { TestMetricReader } from '../helpers/harness.js';

/**
 * Random attribute values on the keys each convention adapter reads, through
 * the public processor API and a real TracerProvider: the app never sees an
 * exception, every span reaches the next processor exactly once, and no
 * adapter or signal fails internally on a value it did not expect.
 * Bounded runs, fixed seed (FUZZ_SEED), printed by fast-check on failure.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_129);

interface SpanShape {
  readonly name: string;
  readonly fixed: Attributes;
  /** Keys the adapter reads, which get random values. */
  readonly fuzzed: readonly string[];
}
interface Convention {
  readonly scope: string;
  readonly root: SpanShape;
  readonly llm: SpanShape;
  readonly tool: SpanShape;
}

const CONVENTIONS: Record<string, Convention> = {
  genai: {
    scope: 'agent',
    root: { name: 'invoke_agent a', fixed: { 'gen_ai.operation.name': 'invoke_agent' }, fuzzed: ['gen_ai.agent.name', 'gen_ai.agent.version', 'gen_ai.conversation.id', 'gen_ai.evaluation.score.value'] },
    llm: {
      name: 'chat m',
      fixed: { 'gen_ai.operation.name': 'chat' },
      fuzzed: [
        'gen_ai.request.model',
        'gen_ai.provider.name',
        'gen_ai.usage.input_tokens',
        'gen_ai.usage.output_tokens',
        'gen_ai.response.finish_reasons',
        'gen_ai.input.messages',
        'gen_ai.output.messages',
        'gen_ai.request.temperature',
        'gen_ai.request.max_tokens',
        'error.type',
        'http.response.status_code',
      ],
    },
    tool: { name: 'execute_tool t', fixed: { 'gen_ai.operation.name': 'execute_tool' }, fuzzed: ['gen_ai.tool.name', 'gen_ai.tool.call.id', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'error.type'] },
  },
  openinference: {
    scope: '@arizeai/openinference-instrumentation-langchain',
    root: { name: 'agent', fixed: { 'openinference.span.kind': 'AGENT' }, fuzzed: ['agent.name', 'session.id', 'input.value', 'output.value'] },
    llm: {
      name: 'ChatOpenAI',
      fixed: { 'openinference.span.kind': 'LLM' },
      fuzzed: [
        'llm.model_name',
        'llm.provider',
        'llm.system',
        'llm.token_count.prompt',
        'llm.token_count.completion',
        'llm.finish_reason',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.name',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments',
        'llm.output_messages.0.message.tool_calls.0.tool_call.id',
        'output.value',
      ],
    },
    tool: { name: 'tool', fixed: { 'openinference.span.kind': 'TOOL' }, fuzzed: ['tool.name', 'tool.id', 'input.value', 'output.value'] },
  },
  openllmetry: {
    scope: '@traceloop/node-server-sdk',
    root: { name: 'a.agent', fixed: { 'traceloop.span.kind': 'agent' }, fuzzed: ['traceloop.entity.name', 'traceloop.workflow.name', 'traceloop.entity.input', 'traceloop.entity.output'] },
    llm: {
      name: 'openai.chat',
      fixed: { 'llm.request.type': 'chat' },
      fuzzed: ['gen_ai.system', 'gen_ai.request.model', 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.completion_tokens', 'gen_ai.completion.0.finish_reason', 'gen_ai.completion.0.tool_calls.0.name', 'gen_ai.completion.0.tool_calls.0.arguments', 'llm.request.model_name'],
    },
    tool: { name: 't.tool', fixed: { 'traceloop.span.kind': 'tool' }, fuzzed: ['traceloop.entity.name', 'traceloop.entity.input', 'traceloop.entity.output'] },
  },
  'ai-sdk': {
    scope: 'ai',
    root: { name: 'ai.generateText', fixed: { 'ai.operationId': 'ai.generateText' }, fuzzed: ['ai.telemetry.functionId', 'ai.telemetry.metadata.agent', 'ai.model.id'] },
    llm: {
      name: 'ai.generateText.doGenerate',
      fixed: { 'ai.operationId': 'ai.generateText.doGenerate' },
      fuzzed: ['ai.model.id', 'ai.model.provider', 'ai.response.model', 'ai.response.toolCalls', 'ai.response.finishReason', 'ai.usage.promptTokens', 'ai.usage.completionTokens', 'ai.usage.inputTokens', 'ai.usage.outputTokens'],
    },
    tool: { name: 'ai.toolCall', fixed: { 'ai.operationId': 'ai.toolCall' }, fuzzed: ['ai.toolCall.name', 'ai.toolCall.id', 'ai.toolCall.args', 'ai.toolCall.result'] },
  },
};

/** Values an instrumentation might put there, and values none should. */
const value: fc.Arbitrary<AttributeValue | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom('', '{}', '[', 'null', '[{"name":1}]', '[{"role":"assistant","parts":[{"type":"tool_call","name":null}]}]', '{"toolCalls":"x"}', '[{"toolName":{}}]', '9'.repeat(400)),
  fc.json({ maxDepth: 3 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  fc.array(fc.double(), { maxLength: 4 }),
  fc.array(fc.boolean(), { maxLength: 4 }),
  fc.integer({ min: 1000, max: 200_000 }).map(n => 'x'.repeat(n)),
);

const step = fc.record({
  kind: fc.constantFrom('llm' as const, 'tool' as const),
  values: fc.array(value, { minLength: 12, maxLength: 12 }),
  error: fc.boolean(),
  /** End after the root (out of order), or not at all until the provider shuts down. */
  late: fc.boolean(),
});
const turnArb = fc.record({ rootValues: fc.array(value, { minLength: 4, maxLength: 4 }), steps: fc.array(step, { minLength: 0, maxLength: 6 }), rootError: fc.boolean() });

function attributesOf(shape: SpanShape, values: readonly (AttributeValue | undefined)[]): Attributes {
  const out: Attributes = { ...shape.fixed };
  shape.fuzzed.forEach((key, i) => {
    const v = values[i];
    if (v !== undefined) out[key] = v;
  });
  return out;
}

describe('processor fuzzing: random attribute values for every convention adapter', () => {
  it.each(Object.entries(CONVENTIONS))('%s: never throws into the app, hands every span on once, no internal error', async (_name, convention) => {
    await fc.assert(
      fc.asyncProperty(fc.array(turnArb, { minLength: 1, maxLength: 4 }), async turns => {
        const exporter = new InMemorySpanExporter();
        const reader = new TestMetricReader();
        const processor = new AgentTriageSpanProcessor({
          next: new SimpleSpanProcessor({ exporter }),
          meterProvider: new MeterProvider({ readers: [reader] }),
          state: { persistence: false },
          rootGraceMs: 0,
        });
        const provider = new TracerProvider({ spanProcessors: [processor] });
        const tracer = provider.getTracer(convention.scope);
        const ended: string[] = [];
        for (const t of turns) {
          const root = tracer.startSpan(convention.root.name, { attributes: attributesOf(convention.root, t.rootValues) });
          const parent = trace.setSpan(context.active(), root);
          const late: (() => void)[] = [];
          for (const s of t.steps) {
            const shape = s.kind === 'llm' ? convention.llm : convention.tool;
            const span = tracer.startSpan(shape.name, {}, parent);
            // Set after start, as OpenInference and OpenLLMetry do.
            span.setAttributes(attributesOf(shape, s.values));
            if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: String(s.values[0]) });
            const end = () => {
              span.end();
              ended.push(span.spanContext().spanId);
            };
            if (s.late) late.push(end);
            else end();
          }
          if (t.rootError) root.setStatus({ code: SpanStatusCode.ERROR });
          root.end();
          ended.push(root.spanContext().spanId);
          for (const end of late) end();
        }
        await provider.forceFlush();
        expect(exporter.getFinishedSpans().map(s => s.spanContext().spanId).sort()).toEqual([...ended].sort());
        await provider.shutdown();
        const { resourceMetrics } = await reader.collect();
        const internal = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === 'agent_triage.internal.errors');
        expect(internal?.dataPoints ?? []).toEqual([]);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});
