import { context, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { feedOrder } from '../../src/gateway/feed-order.js';
import { decodeTraceRequest } from '../../src/gateway/trace-request.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { postTraces, receivedSpans, startTestGateway } from '../helpers/gateway.js';

const T0 = 1_700_000_000_000;

/** A tree of spans made by the real SDK, each ended at the millisecond time given (in `ends`, by creation order). */
function recordTree(parents: readonly number[], ends: readonly number[]): ReadableSpan[] {
  return recordSpans(tracer => {
    const spans: Span[] = [];
    parents.forEach((parent, i) => {
      const under = parent < 0 ? context.active() : trace.setSpan(context.active(), spans[parent] as Span);
      spans.push(tracer.startSpan(`s${i}`, { startTime: T0 }, under));
    });
    // End the leaves first, as code does, at the times given: a child may carry a later end than its parent, as skew makes it.
    for (let i = spans.length - 1; i >= 0; i--) spans[i]?.end(T0 + (ends[i] ?? 0));
  });
}

const nameOf = (span: ReadableSpan): string => span.name;

describe('feedOrder: the order a request is fed to the processor', () => {
  it.each([
    { case: 'children end first: end order', parents: [-1, 0, 0], ends: [10, 2, 5], order: ['s1', 's2', 's0'] },
    { case: 'a child stamped after its root: the root waits for it', parents: [-1, 0, 0], ends: [5, 2, 6], order: ['s1', 's2', 's0'] },
    { case: 'a root waits for its late child, which waits for its own', parents: [-1, 0, 1], ends: [5, 6, 7], order: ['s2', 's1', 's0'] },
    { case: 'a root waiting for a late child lets the spans of another trace go first', parents: [-1, 0, -1, 2], ends: [4, 9, 6, 3], order: ['s3', 's2', 's1', 's0'] },
  ])('$case', ({ parents, ends, order }) => {
    expect(feedOrder(recordTree(parents, ends)).map(nameOf)).toEqual(order);
  });

  it('sorts a request in the reverse of end order (past the insertion budget) by end time', () => {
    const count = 50;
    const spans = recordTree(
      Array.from({ length: count }, () => -1),
      Array.from({ length: count }, (_, i) => count - i),
    );
    // Recorded in end order; fed latest first.
    expect(feedOrder([...spans].reverse()).map(nameOf)).toEqual(spans.map(nameOf));
    expect(spans.map(nameOf)).toEqual(Array.from({ length: count }, (_, i) => `s${count - 1 - i}`));
  });

  it('feeds every span once, none before a child of it in the request, and keeps end order when no child is late', () => {
    const trees = fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 30 })
      // Span i's parent is an earlier span, or none.
      .map(pairs => pairs.map(([p, end], i) => ({ parent: i === 0 || p % (i + 1) === i ? -1 : p % i, end })));
    fc.assert(
      fc.property(trees, tree => {
        const spans = recordTree(
          tree.map(s => s.parent),
          tree.map(s => s.end),
        );
        const ordered = feedOrder([...spans]);
        expect(ordered.map(nameOf).sort()).toEqual(spans.map(nameOf).sort());
        const position = new Map(ordered.map((s, i) => [s.spanContext().spanId, i]));
        for (const span of ordered) {
          const parent = span.parentSpanContext?.spanId;
          if (parent !== undefined) expect(position.get(parent)).toBeGreaterThan(position.get(span.spanContext().spanId) ?? -1);
        }
        const childrenFirst = tree.every(s => s.parent < 0 || (tree[s.parent]?.end ?? 0) >= s.end);
        if (childrenFirst) expect(ordered.map(s => s.endTime[0] * 1e9 + s.endTime[1])).toEqual([...ordered.map(s => s.endTime[0] * 1e9 + s.endTime[1])].sort((a, b) => a - b));
      }),
    );
  });

  it('feeds spans whose parent links loop (bad input) once each, last', () => {
    const [a, b, c] = recordSpans(tracer => {
      for (const name of ['a', 'b', 'c']) tracer.startSpan(name).end();
    });
    type Raw = { traceId: string; spanId: string; parentSpanId?: string };
    const json = JSON.parse(toOtlpJson([a, b, c].filter(s => s !== undefined))) as { resourceSpans: { scopeSpans: { spans: Raw[] }[] }[] };
    const [rawA, rawB, rawC] = json.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    if (!rawA || !rawB || !rawC) throw new Error('three spans expected');
    // One trace, in which a and b name each other as parent and c is a root.
    rawB.traceId = rawC.traceId = rawA.traceId;
    rawA.parentSpanId = rawB.spanId;
    rawB.parentSpanId = rawA.spanId;
    const request = decodeTraceRequest(Buffer.from(JSON.stringify(json)), 'json');
    const ordered = feedOrder(request.spans).map(nameOf);
    expect(ordered[0]).toBe('c');
    expect(ordered.slice(1).sort()).toEqual(['a', 'b']);
  });
});

describe('gateway at decisionWaitMs 0', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.shutdown();
    await receiver?.close();
  });

  it('judges a turn whole when a tool span carries an end time after its root (clock skew), in one request', async () => {
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces` }, triage: { decisionWaitMs: 0 } });
    let rootSpanId = '';
    const spans = recordSpans((tracer: Tracer) => {
      const root = tracer.startSpan('invoke_agent support', { startTime: T0, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' } });
      rootSpanId = root.spanContext().spanId;
      const under = trace.setSpan(context.active(), root);
      const plan = JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'search', arguments: { q: 'x' } }], finish_reason: 'tool_call' }]);
      tracer
        .startSpan('chat gpt-4o', { startTime: T0, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.output.messages': plan } }, under)
        .end(T0 + 1);
      const tool = tracer.startSpan('execute_tool search', { startTime: T0 + 1, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': 'c1' } }, under);
      const answer = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'done' }], finish_reason: 'stop' }]);
      // Ended before the root, stamped 0.4 ms after it: the SDK's per-span clock readings differ by up to a millisecond.
      tool.end(T0 + 3.4);
      tracer.startSpan('chat gpt-4o', { startTime: T0 + 2, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.output.messages': answer } }, under).end(T0 + 2.5);
      root.end(T0 + 3);
    });
    expect((await postTraces(gateway, toOtlpJson(spans))).status).toBe(200);
    await gateway.shutdown();

    const forwarded = receivedSpans(receiver.requests);
    expect(forwarded).toHaveLength(spans.length);
    const root = forwarded.find(s => s.spanContext().spanId === rootSpanId);
    expect(root?.attributes['agent_triage.turn.outcome']).toBe('ok');
    expect(gateway.processor.metrics.lateSpans.get([])).toBe(0);
  });
});
