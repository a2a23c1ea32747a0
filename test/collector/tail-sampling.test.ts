import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import { startTestGateway } from '../helpers/gateway.js';
import { runTurn } from '../helpers/scripted-agent.js';
import { byTrace, healthyTurns, outcomeOf, SeededIdGenerator, STATEFUL_FAILURES, TeeSpanProcessor, TRAFFIC_SIGNALS, TURN_LOCAL_FAILURES } from './helpers/agent-traffic.js';
import type { PlannedTurn } from './helpers/agent-traffic.js';
import { freePort, Processes, scrape, startCollector, sumOfMetric, waitFor } from './helpers/processes.js';
import { spanKey, startTraceSink } from './helpers/trace-sink.js';
import type { TraceSink } from './helpers/trace-sink.js';

const binary = inject('otelcolBinary');
const SAMPLING_PERCENTAGE = 25;
const HEALTHY = 120;

/** Failures spread among healthy turns; the stateful ones keep their order (warm-up first). */
function traffic(): PlannedTurn[] {
  const healthy = healthyTurns(HEALTHY);
  return [...STATEFUL_FAILURES, ...healthy.slice(0, 60), ...TURN_LOCAL_FAILURES, ...healthy.slice(60)];
}

interface Sent {
  /** Every span the agent emitted, as it emitted it. */
  readonly spans: ReadableSpan[];
  /** The trace id of each planned turn, in order. */
  readonly traceIds: string[];
}

/** The agent on the real SDK: `pipeline` exports its spans; a recorder keeps what it emitted. */
async function runAgent(pipeline: (recorder: SpanProcessor) => SpanProcessor, turns: readonly PlannedTurn[]): Promise<Sent> {
  const recorder = new InMemorySpanExporter();
  const provider = new TracerProvider({ idGenerator: new SeededIdGenerator('tail-sampling'), spanProcessors: [pipeline(new SimpleSpanProcessor({ exporter: recorder }))] });
  const tracer = provider.getTracer('collector-test-agent');
  const traceIds: string[] = [];
  for (const turn of turns) {
    // Exported before it, so a gateway receives (and judges) the turns it is compared with first.
    if (turn.afterEarlierTurns) await provider.forceFlush();
    traceIds.push(runTurn(tracer, turn.script).traceId);
  }
  await provider.forceFlush();
  // Read before shutdown, which empties the recorder.
  const spans = recorder.getFinishedSpans();
  await provider.shutdown();
  return { spans, traceIds };
}

const processes = new Processes();
const sinks: TraceSink[] = [];
afterEach(async () => {
  await processes.stopAll();
  await Promise.all(sinks.splice(0).map(sink => sink.close()));
});

async function startSamplingCollector(): Promise<{ otlpHttp: string; sink: TraceSink; telemetryUrl: string }> {
  const sink = await startTraceSink();
  sinks.push(sink);
  const [grpc, http, prometheus] = [await freePort(), await freePort(), await freePort()];
  const { telemetryUrl } = await startCollector(processes, binary, {
    config: 'otel-collector-tail-sampling.yaml',
    env: {
      OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      PROMETHEUS_ENDPOINT: `127.0.0.1:${prometheus}`,
      TRACING_BACKEND_ENDPOINT: sink.url,
      HEALTHY_TURNS_SAMPLING_PERCENTAGE: String(SAMPLING_PERCENTAGE),
    },
    overrides: { processors: { tail_sampling: { decision_wait: '2s' }, batch: { timeout: '100ms' } } },
  });
  return { otlpHttp: `http://127.0.0.1:${http}`, sink, telemetryUrl };
}

/**
 * Waits until the Collector has decided every trace (its own telemetry) and the sink holds
 * every span of as many traces as it kept.
 */
async function settle(telemetryUrl: string, sink: TraceSink, sent: Sent): Promise<void> {
  const emitted = byTrace(sent.spans);
  let state = '';
  await waitFor(() => `the Collector to decide ${emitted.size} traces and export those it kept (${state})`, async () => {
    const text = await scrape(telemetryUrl);
    const decided = sumOfMetric(text, 'otelcol_processor_tail_sampling_global_count_traces_sampled');
    const kept = sumOfMetric(text, 'otelcol_processor_tail_sampling_global_count_traces_sampled', { sampled: 'true' });
    const arrived = byTrace(sink.spans);
    const whole = [...arrived].every(([traceId, spans]) => spans.length >= (emitted.get(traceId)?.length ?? 0));
    state = `decided ${decided}, kept ${kept}, traces at the sink ${arrived.size}, all whole: ${whole}`;
    return decided >= emitted.size && arrived.size >= kept && whole ? true : undefined;
  }, 60_000, 200);
}

function checkSampling(sent: Sent, turns: readonly PlannedTurn[], received: readonly ReadableSpan[]): void {
  const keys = received.map(spanKey);
  expect(new Set(keys).size, 'no span arrives twice').toBe(keys.length);
  const emitted = byTrace(sent.spans);
  const arrived = byTrace(received);
  const failed = turns.flatMap((turn, i) => (turn.signal === undefined ? [] : [{ signal: turn.signal, traceId: sent.traceIds[i] ?? '' }]));
  expect(failed.map(f => f.signal).sort()).toEqual(
    ['output_token_drop', 'provider_error', 'skipped_planned_call', 'tool_error', 'tool_latency_spike', 'tool_result_mismatch', 'zero_tool_calls'],
  );
  for (const { signal, traceId } of failed) {
    const spans = arrived.get(traceId) ?? [];
    expect(spans.map(spanKey).sort(), `every span of the ${signal} turn`).toEqual((emitted.get(traceId) ?? []).map(spanKey).sort());
    const verdict = outcomeOf(spans);
    expect(verdict?.outcome, signal).toBe('failed');
    expect(verdict?.signals.split(','), signal).toContain(signal);
  }
  const healthy = turns.flatMap((turn, i) => (turn.signal === undefined ? [sent.traceIds[i] ?? ''] : []));
  const kept = healthy.filter(traceId => arrived.has(traceId));
  for (const traceId of kept) {
    expect(arrived.get(traceId)?.length, 'a sampled healthy turn arrives whole').toBe(emitted.get(traceId)?.length);
    expect(outcomeOf(arrived.get(traceId) ?? [])?.outcome).toBe('ok');
  }
  // The ids are seeded, so the Collector's hash-based choice is the same in every run.
  const rate = kept.length / healthy.length;
  expect(rate).toBeGreaterThan(SAMPLING_PERCENTAGE / 100 - 0.1);
  expect(rate).toBeLessThan(SAMPLING_PERCENTAGE / 100 + 0.1);
  expect(arrived.size).toBe(failed.length + kept.length);
}

describe.skipIf(binary === '')('Collector tail_sampling on the triage verdict (examples/collector/otel-collector-tail-sampling.yaml)', () => {
  it('in-process: keeps every span of every failed turn and samples healthy turns at the configured rate', async () => {
    const { otlpHttp, sink, telemetryUrl } = await startSamplingCollector();
    const turns = traffic();
    const sent = await runAgent(
      recorder =>
        new AgentTriageSpanProcessor({
          next: new TeeSpanProcessor([new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpHttp}/v1/traces` }), scheduledDelayMillis: 100 }), recorder]),
          signals: TRAFFIC_SIGNALS,
          state: { persistence: false },
        }),
      turns,
    );
    await settle(telemetryUrl, sink, sent);
    checkSampling(sent, turns, sink.spans);
  });

  it('through the gateway: agent → gateway → Collector keeps the same turns', async () => {
    const { otlpHttp, sink, telemetryUrl } = await startSamplingCollector();
    const gateway = await startTestGateway({
      forward: { endpoint: `${otlpHttp}/v1/traces`, flushIntervalMs: 50 },
      triage: { decisionWaitMs: 300, signals: TRAFFIC_SIGNALS },
    });
    try {
      const turns = traffic();
      const sent = await runAgent(
        recorder => new TeeSpanProcessor([new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${gateway.url}/v1/traces` }), scheduledDelayMillis: 50 }), recorder]),
        turns,
      );
      await settle(telemetryUrl, sink, sent);
      checkSampling(sent, turns, sink.spans);
    } finally {
      await gateway.shutdown();
    }
  });
});
