/**
 * Real `BasicTracerProvider`s with a `BatchSpanProcessor` in front of a no-op
 * exporter (or, for context, one that serializes each batch as OTLP/protobuf
 * the way the stock OTLP exporter does before its network call), with or
 * without the triage processor (the built package) before it. The batch
 * processor never drops: its queue holds more than a round.
 */
import type { Tracer } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { AgentTriageSpanProcessor, SIGNAL_IDS } from '../../dist/index.js';

/** Counts and discards: we measure the span path, not an exporter. */
export class CountingNoopExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Serializes each batch as an OTLP/protobuf request and drops the bytes: the
 * work a real OTLP exporter does on the application's thread, which also reads
 * (and so flattens) every content string. A no-op exporter never touches them.
 */
export class SerializingExporter extends CountingNoopExporter {
  bytes = 0;
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.bytes += ProtobufTraceSerializer.serializeRequest(spans)?.length ?? 0;
    super.export(spans, done);
  }
}

export type BenchExporter = 'noop' | 'protobuf';

export interface BenchTracer {
  readonly tracer: Tracer;
  readonly exporter: CountingNoopExporter;
  readonly provider: BasicTracerProvider;
}

/** `signals: 'off'` disables every built-in signal: what the rest of the pipeline (view, digests, assembly, verdict) costs alone. */
export function benchTracer(triage: boolean, maxQueueSize: number, kind: BenchExporter = 'noop', signals: 'on' | 'off' = 'on'): BenchTracer {
  const exporter = kind === 'protobuf' ? new SerializingExporter() : new CountingNoopExporter();
  const batch = new BatchSpanProcessor(exporter, { maxQueueSize, maxExportBatchSize: 512, scheduledDelayMillis: 5000 });
  const disabled = signals === 'off' ? Object.fromEntries(SIGNAL_IDS.map(id => [id, { enabled: false }])) : {};
  const processor = triage
    ? new AgentTriageSpanProcessor({ next: batch, meterProvider: new MeterProvider(), state: { persistence: false }, signals: disabled })
    : batch;
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  return { tracer: provider.getTracer('bench'), exporter, provider };
}

/**
 * Runs `iterations` workloads and flushes, so deferred work is counted;
 * returns nanoseconds. Throws when the exporter did not get every span.
 */
export async function timedRound(bench: BenchTracer, workload: (tracer: Tracer) => void, iterations: number, spansPerIteration: number): Promise<number> {
  const before = bench.exporter.exported;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) workload(bench.tracer);
  await bench.provider.forceFlush();
  const elapsed = Number(process.hrtime.bigint() - start);
  const got = bench.exporter.exported - before;
  if (got !== iterations * spansPerIteration) throw new Error(`exporter got ${got} spans, expected ${iterations * spansPerIteration}: a span was dropped`);
  return elapsed;
}
