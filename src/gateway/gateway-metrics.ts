import { performance } from 'node:perf_hooks';
import { ValueType } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import { CounterTable, publishCounter } from '../emit/counter-table.js';

/** The meter of the gateway's own metrics (`agent_triage.gateway.*`). */
export const GATEWAY_METER_NAME = 'otel-agent-triage-gateway';

const ATTR_ENCODING = 'agent_triage.gateway.encoding';
const ATTR_REASON = 'agent_triage.reason';
const ATTR_TARGET = 'agent_triage.gateway.target';
const ATTR_OUTCOME = 'agent_triage.gateway.outcome';

/**
 * The gateway's own health, next to the processor's metrics (turns in flight
 * and evictions come from there). Aggregated in maps, published by observable
 * instruments, like the processor's.
 */
export class GatewayMetrics {
  readonly received = new CounterTable([ATTR_ENCODING]);
  readonly forwarded = new CounterTable([ATTR_TARGET, ATTR_OUTCOME]);
  readonly retried = new CounterTable([ATTR_TARGET]);
  readonly rejectedRequests = new CounterTable([ATTR_REASON]);
  readonly rejectedSpans = new CounterTable([ATTR_REASON]);

  constructor(meterProvider: MeterProvider, queueSize: () => number) {
    const meter = meterProvider.getMeter(GATEWAY_METER_NAME);
    publishCounter(meter, 'agent_triage.gateway.spans.received', '{span}', 'Spans accepted from OTLP requests, by encoding.', this.received);
    publishCounter(meter, 'agent_triage.gateway.spans.forwarded', '{span}', 'Spans handed to a target (otlp or file), by outcome (ok, failed = lost: refused for good or still failing when the retry window closed).', this.forwarded);
    publishCounter(meter, 'agent_triage.gateway.spans.retried', '{span}', 'Spans of forwarded batches that failed with a retryable error and were queued to be sent again, per attempt.', this.retried);
    publishCounter(meter, 'agent_triage.gateway.requests.rejected', '{request}', 'Refused OTLP requests, by reason.', this.rejectedRequests);
    publishCounter(meter, 'agent_triage.gateway.spans.rejected', '{span}', 'Spans refused: invalid spans of a partial success, spans of refused requests when known.', this.rejectedSpans);
    meter
      .createObservableGauge('agent_triage.gateway.queue.size', { unit: '{span}', description: 'Spans accepted and not yet exported.', valueType: ValueType.INT })
      .addCallback(result => {
        result.observe(queueSize());
      });
    // Busy share of the event loop since the previous collection: near 1, this process saturates its core
    // (run one gateway per core behind the Collector's loadbalancing exporter).
    let since = performance.eventLoopUtilization();
    meter
      .createObservableGauge('agent_triage.gateway.event_loop.utilization', {
        // No unit: with `1` the Collector's Prometheus exporter adds `_ratio` and the JS one does not, so a rule would not match both.
        unit: '',
        description: 'Share of time the event loop was busy since the previous collection (0 to 1); near 1 the gateway saturates its core.',
      })
      .addCallback(result => {
        const now = performance.eventLoopUtilization();
        result.observe(performance.eventLoopUtilization(now, since).utilization);
        since = now;
      });
  }
}
