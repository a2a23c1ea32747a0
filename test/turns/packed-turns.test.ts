import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * One turn, left open: a step plans two calls, one runs and fails, the other
 * never runs (tool_error, skipped_planned_call, and zero_tool_calls' streak
 * read the steps the turn kept).
 */
function openTurn(tracer: Tracer, i: number): Span {
  const root = tracer.startSpan('invoke_agent support-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-agent' } });
  const ctx = trace.setSpan(context.active(), root);
  const planned = [
    { type: 'tool_call', id: `a${i}`, name: 'search_orders', arguments: { order_id: i } },
    { type: 'tool_call', id: `b${i}`, name: 'refund', arguments: { order_id: i, reason: 'late ✓' } },
  ];
  const llm = (parts: unknown[]) => { tracer
      .startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.output_tokens': 40 + i, 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts }]) } }, ctx)
      .end(); };
  llm(planned);
  const tool = tracer.startSpan('execute_tool search_orders', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search_orders', 'gen_ai.tool.call.id': `a${i}`, 'gen_ai.tool.call.arguments': `{"order_id":${i}}` } }, ctx);
  tool.setStatus({ code: SpanStatusCode.ERROR, message: `order ${i} not found` });
  tool.end();
  llm([{ type: 'text', content: 'Sorry.' }]);
  return root;
}

/** Each turn's findings, by signal and the name of the span concerned, in the order of the turns. */
function findingsByTurn(harness: Harness, roots: readonly Span[]): string[][] {
  const names = new Map(harness.spans().map(s => [s.spanContext().spanId, s.name]));
  return roots.map(root =>
    harness.findings
      .filter(f => f.traceId === root.spanContext().traceId)
      .map(f => `${f.signal} on ${names.get(f.spanId) ?? '?'}`)
      .sort(),
  );
}

describe('turns held packed (many open at once) and as summaries (few)', () => {
  it('get the same findings', async () => {
    const alone = createHarness();
    const solo = [openTurn(alone.tracer, 7)];
    for (const root of solo) root.end();
    await alone.processor.forceFlush();
    const expected = findingsByTurn(alone, solo)[0];
    expect(expected).toEqual(expect.arrayContaining(['tool_error on execute_tool search_orders', 'skipped_planned_call on chat gpt-4o']));

    const crowd = createHarness();
    const roots = Array.from({ length: 150 }, () => openTurn(crowd.tracer, 7));
    for (const root of roots) root.end();
    await crowd.processor.forceFlush();
    const byTurn = findingsByTurn(crowd, roots);
    expect(byTurn).toHaveLength(150);
    for (const findings of byTurn) expect(findings).toStrictEqual(expected);
    // Every span reached the exporter once.
    expect(crowd.spans()).toHaveLength(150 * 4);
    await Promise.all([alone.processor.shutdown(), crowd.processor.shutdown()]);
  });
});
