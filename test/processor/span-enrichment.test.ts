import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { enrichSpan, originalOf, writtenOn } from '../../src/emit/span-enrichment.js';

function endedSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('enrichment-test', '1.2.3');
  const parent = tracer.startSpan('invoke_agent shop', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
  const child = tracer.startSpan(
    'execute_tool refund',
    { kind: SpanKind.CLIENT, attributes: { 'gen_ai.tool.name': 'refund' }, links: [{ context: parent.spanContext() }] },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('retry', { attempt: 2 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
  child.end();
  parent.end();
  return exporter.getFinishedSpans();
}

const READABLE_FIELDS = [
  'name',
  'kind',
  'parentSpanContext',
  'startTime',
  'endTime',
  'status',
  'links',
  'duration',
  'ended',
  'resource',
  'instrumentationScope',
  'droppedAttributesCount',
  'droppedEventsCount',
  'droppedLinksCount',
] as const;

describe('enrichSpan', () => {
  it('reads every ReadableSpan field from the original, adds only what it writes, and never mutates the original', () => {
    const span = endedSpans().find(s => s.name === 'execute_tool refund');
    if (!span) throw new Error('no tool span');
    const attributesBefore = { ...span.attributes };
    const eventsBefore = [...span.events];
    const event = { name: 'agent_triage.failure', time: span.endTime, attributes: { 'agent_triage.signal': 'tool_error' }, droppedAttributesCount: 0 };
    const copy = enrichSpan(span, [event], { 'agent_triage.turn.outcome': 'failed' });

    for (const field of READABLE_FIELDS) expect(copy[field], field).toBe(span[field]);
    expect(copy.spanContext()).toEqual(span.spanContext());
    expect(copy.attributes).toEqual({ ...attributesBefore, 'agent_triage.turn.outcome': 'failed' });
    expect(copy.events).toEqual([...eventsBefore, event]);
    expect(span.attributes).toEqual(attributesBefore);
    expect(span.events).toEqual(eventsBefore);
    expect(originalOf(copy)).toBe(span);
  });

  it('a copy of a copy keeps the first original and everything written since it', () => {
    const [span] = endedSpans();
    if (!span) throw new Error('no span');
    const first = enrichSpan(span, [], { a: 1 });
    const second = enrichSpan(first, [], { b: 2 });
    expect(originalOf(second)).toBe(span);
    expect(second.attributes).toMatchObject({ a: 1, b: 2 });
    expect(writtenOn(second)?.attributes).toEqual({ a: 1, b: 2 });
  });

  it('writes nothing and copies nothing when there is nothing to write', () => {
    const [span] = endedSpans();
    if (!span) throw new Error('no span');
    expect(enrichSpan(span, [], {})).toBe(span);
    expect(writtenOn(span)).toBeUndefined();
  });
});
