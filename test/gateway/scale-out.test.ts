import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { recordSpans, tempDir, toOtlpJson } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { postTraces, present, startTestGateway } from '../helpers/gateway.js';

/** What the Collector's `loadbalancing` exporter does with `routing_key: traceID`: one trace, one backend. */
const backendOf = (span: ReadableSpan, backends: number): number => parseInt(span.spanContext().traceId.slice(-8), 16) % backends;

async function findingsThrough(instances: number, spans: readonly ReadableSpan[]): Promise<string[]> {
  const outs = Array.from({ length: instances }, () => tempDir());
  const gateways = await Promise.all(outs.map(out => startTestGateway({ out })));
  // One span per request, newest first: every trace arrives in pieces and out of order.
  for (const span of [...spans].reverse()) {
    const gateway = present(gateways[backendOf(span, instances)], 'backend');
    expect((await postTraces(gateway, toOtlpJson([span]))).status).toBe(200);
  }
  await Promise.all(gateways.map(g => g.shutdown()));
  return outs.flatMap(out => readFileSync(join(out, 'findings.jsonl'), 'utf8').split('\n').filter(line => line !== '')).sort();
}

describe('gateway scale-out by trace id', () => {
  it('two instances behind trace-id routing find exactly what one instance finds', async () => {
    const spans = recordSpans(tracer => {
      for (let i = 0; i < 6; i++) {
        runTurn(tracer, HEALTHY_TURN);
        runTurn(tracer, { agent: `agent-${i}`, steps: [{ llm: { fail: { httpStatus: 500 } } }] });
        runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: `c${i}`, name: 'search' }] } }, { tool: { name: 'search', id: `c${i}`, fail: 'timeout' } }, { llm: { text: 'sorry' } }] });
        runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: `p${i}`, name: 'refund' }] } }, { llm: {} }, { llm: {} }, { llm: { text: 'ok' } }] });
      }
    });
    const traces = new Set(spans.map(s => s.spanContext().traceId));
    expect(new Set([...traces].map(t => backendOf(present(spans.find(s => s.spanContext().traceId === t), t), 2))).size).toBe(2);

    const one = await findingsThrough(1, spans);
    const two = await findingsThrough(2, spans);
    expect(one.length).toBeGreaterThanOrEqual(24);
    expect(two).toEqual(one);
  });
});
