import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import type { Attributes, Tracer } from '@opentelemetry/api';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import type { AgentTriageSpanProcessorOptions, Finding, HealthNoticeRecord } from '../../src/index.js';

/** Reads metrics on demand, as the SDK's own tests do. */
export class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Harness {
  readonly tracer: Tracer;
  readonly processor: AgentTriageSpanProcessor;
  readonly exporter: InMemorySpanExporter;
  readonly findings: Finding[];
  readonly healthNotices: HealthNoticeRecord[];
  spans(): ReadableSpan[];
  span(spanId: string): ReadableSpan;
  /** Data points of one of the processor's metrics, collected now. */
  metric(name: string): Promise<DataPoint<number>[]>;
}

/**
 * A real TracerProvider with the triage processor in front of an in-memory
 * exporter. State stays in memory unless the test passes `state`.
 */
export function createHarness(options: Partial<AgentTriageSpanProcessorOptions> = {}): Harness {
  const exporter = new InMemorySpanExporter();
  const reader = new TestMetricReader();
  const findings: Finding[] = [];
  const healthNotices: HealthNoticeRecord[] = [];
  const processor = new AgentTriageSpanProcessor({
    next: new SimpleSpanProcessor({ exporter }),
    meterProvider: new MeterProvider({ readers: [reader] }),
    onFinding: finding => findings.push(finding),
    onHealthNotice: notice => healthNotices.push(notice),
    state: { persistence: false },
    ...options,
  });
  const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('test-agent');
  return {
    tracer,
    processor,
    exporter,
    findings,
    healthNotices,
    spans: () => exporter.getFinishedSpans(),
    span(spanId) {
      const found = exporter.getFinishedSpans().find(s => s.spanContext().spanId === spanId);
      if (!found) throw new Error(`span ${spanId} was not exported`);
      return found;
    },
    async metric(name) {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === name);
      return (metric?.dataPoints ?? []) as DataPoint<number>[];
    },
  };
}

export function sumWhere(points: readonly DataPoint<number>[], where: Attributes): number {
  return points
    .filter(p => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + p.value, 0);
}

/** The attributes of every `agent_triage.failure` event on a span. */
export function failureEvents(span: ReadableSpan): Attributes[] {
  return span.events.filter(e => e.name === 'agent_triage.failure').map(e => e.attributes ?? {});
}
