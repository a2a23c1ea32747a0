/**
 * Overhead of the triage processor on the span path, as a ratio against the
 * same exporting processor without it, measured in the same run (these
 * machines are noisy: compare ratios, not absolute times).
 *
 *   npm run bench:overhead
 */
import { context, trace } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
// The built package, as users run it (tsx's transform adds per-closure overhead to src/).
import { AgentTriageSpanProcessor } from '../dist/index.js';

/** Discards spans: we measure the span path, not an exporter. */
class DiscardExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

type Workload = (tracer: Tracer) => void;

const httpRequest: Workload = tracer => {
  const root = tracer.startSpan('GET /orders', { attributes: { 'http.route': '/orders' } });
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 0; i < 4; i++) tracer.startSpan('SELECT orders', { attributes: { 'db.system': 'postgresql' } }, ctx).end();
  root.end();
};

const agentTurn: Workload = tracer => {
  const root = tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
  const ctx = trace.setSpan(context.active(), root);
  const planned = JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'search', arguments: { q: 'x' } }], finish_reason: 'tool_call' }]);
  tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': planned, 'gen_ai.usage.output_tokens': 20 } }, ctx).end();
  tracer.startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': 'c1', 'gen_ai.tool.call.arguments': '{"q":"x"}', 'gen_ai.tool.call.result': '{"hits":3}' } }, ctx).end();
  tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 80 } }, ctx).end();
  root.end();
};

function tracerWith(triage: boolean): Tracer {
  const exporting = new SimpleSpanProcessor(new DiscardExporter());
  const processor = triage ? new AgentTriageSpanProcessor({ next: exporting, meterProvider: new MeterProvider(), state: { persistence: false } }) : exporting;
  return new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('bench');
}

/** Median of several timed rounds, in nanoseconds per workload iteration. */
function measure(tracer: Tracer, workload: Workload, iterations: number, rounds: number): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) workload(tracer);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

const ITERATIONS = 5_000;
const ROUNDS = 9;
const rows = [
  { workload: 'HTTP request (1 root + 4 DB spans, no agent)', fn: httpRequest, spans: 5 },
  { workload: 'agent turn (invoke_agent + 2 chat + 1 tool)', fn: agentTurn, spans: 4 },
].map(({ workload, fn, spans }) => {
  const baseline = tracerWith(false);
  const triaged = tracerWith(true);
  measure(baseline, fn, ITERATIONS, 2); // warm up both paths
  measure(triaged, fn, ITERATIONS, 2);
  const base = measure(baseline, fn, ITERATIONS, ROUNDS);
  const withTriage = measure(triaged, fn, ITERATIONS, ROUNDS);
  return {
    workload,
    'baseline µs/span': (base / spans / 1000).toFixed(2),
    'with triage µs/span': (withTriage / spans / 1000).toFixed(2),
    ratio: (withTriage / base).toFixed(2),
  };
});
console.table(rows);
