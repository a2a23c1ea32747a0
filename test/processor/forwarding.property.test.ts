import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span as ApiSpan } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AgentTriageSpanProcessor } from '../../src/index.js';

/** The `next` processor: records every span handed to it, nothing else. */
class RecordingProcessor implements SpanProcessor {
  readonly received: ReadableSpan[] = [];
  onStart(): void {
    // nothing to do at start
  }
  onEnd(span: ReadableSpan): void {
    this.received.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const ROLE_ATTRIBUTES = {
  agent: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'prop-agent' },
  llm: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'search', arguments: {} }] }]) },
  tool: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': 'c1' },
  other: { 'http.route': '/x' },
} as const;
type Role = keyof typeof ROLE_ATTRIBUTES;

const spanSpec = fc.record({
  parent: fc.nat(),
  role: fc.constantFrom<Role>('agent', 'llm', 'tool', 'other'),
  fail: fc.boolean(),
  endKey: fc.nat({ max: 1000 }),
  advanceMs: fc.nat({ max: 80 }),
});
const traceSpec = fc.array(spanSpec, { minLength: 1, maxLength: 10 });
const scenario = fc.record({
  traces: fc.array(traceSpec, { minLength: 1, maxLength: 4 }),
  options: fc.record({
    maxTurnsInFlight: fc.integer({ min: 1, max: 3 }),
    maxSpansPerTurn: fc.integer({ min: 2, max: 12 }),
    rootGraceMs: fc.integer({ min: 0, max: 50 }),
    decisionWaitMs: fc.constantFrom(0, 0, 30),
    orphanTimeoutMs: fc.integer({ min: 10, max: 200 }),
  }),
  flushAt: fc.option(fc.nat({ max: 40 })),
  shutdownAt: fc.option(fc.nat({ max: 40 })),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('forwarding invariant', () => {
  it('hands every ended span to next exactly once, with its original attributes and events', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ traces, options, flushAt, shutdownAt }) => {
        vi.useFakeTimers();
        const next = new RecordingProcessor();
        const processor = new AgentTriageSpanProcessor({ next, ...options, state: { persistence: false } });
        const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('prop');

        // Start every span parent-first; end them in a random order, roots included.
        const started: { span: ApiSpan; endKey: number; advanceMs: number }[] = [];
        for (const spec of traces) {
          const spans: ApiSpan[] = [];
          spec.forEach((s, i) => {
            const parent = i === 0 ? undefined : spans[s.parent % i];
            const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
            const span = tracer.startSpan(`${s.role}-${i}`, { attributes: { ...ROLE_ATTRIBUTES[s.role], 'test.index': i } }, ctx);
            if (s.fail) span.recordException(new Error('failed'));
            if (s.fail) span.setStatus({ code: SpanStatusCode.ERROR });
            spans.push(span);
            started.push({ span, endKey: s.endKey, advanceMs: s.advanceMs });
          });
        }
        const order = [...started].sort((a, b) => a.endKey - b.endKey);
        let shutdown: Promise<void> | undefined;
        for (const [i, entry] of order.entries()) {
          if (flushAt !== null && i === flushAt) await processor.forceFlush();
          if (shutdownAt !== null && i === shutdownAt) shutdown = processor.shutdown();
          entry.span.end();
          vi.advanceTimersByTime(entry.advanceMs);
        }
        await (shutdown ?? processor.shutdown());

        const ids = next.received.map(s => s.spanContext().spanId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual(started.map(s => s.span.spanContext().spanId).sort());
        for (const received of next.received) {
          const original = started.find(s => s.span.spanContext().spanId === received.spanContext().spanId)?.span as unknown as ReadableSpan;
          expect(received.attributes).toMatchObject(original.attributes);
          expect(received.events.slice(0, original.events.length)).toEqual(original.events);
          expect(received.name).toBe(original.name);
          expect(received.parentSpanContext?.spanId).toBe(original.parentSpanContext?.spanId);
          expect(received.endTime).toEqual(original.endTime);
        }
        vi.useRealTimers();
      }),
      { numRuns: 300 },
    );
  });
});
