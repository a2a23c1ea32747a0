import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Tracer } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { GatewayConfigInput } from '../../src/gateway/index.js';
import { runTurn } from '../helpers/scripted-agent.js';
import { byTrace, healthyTurns, SeededIdGenerator, TeeSpanProcessor, TURN_LOCAL_FAILURES } from './helpers/agent-traffic.js';
import type { PlannedTurn } from './helpers/agent-traffic.js';
import { freePort, Processes, scrape, startCollector, startGatewayProcess, sumOfMetric, waitFor } from './helpers/processes.js';
import type { Child } from './helpers/processes.js';
import { spanKey, startTraceSink } from './helpers/trace-sink.js';
import type { TraceSink } from './helpers/trace-sink.js';

const binary = inject('otelcolBinary');
const TOKEN = 'collector-test-token';
const GATEWAYS = 3;

/** Only failures a turn shows on its own: baselines are per instance (docs/gateway.md, Scaling out), so stateful signals differ by design. */
function wave(round: number): PlannedTurn[] {
  return [...TURN_LOCAL_FAILURES, ...healthyTurns(10)].map(turn => ({ ...turn, script: { ...turn.script, agent: `${turn.script.agent ?? 'agent'}-${round}` } }));
}

/** An agent on the plain SDK exporting OTLP/protobuf to `url`, recording what it emitted. */
function startAgent(url: string, seed: string, token?: string): { tracer: Tracer; emitted: () => ReadableSpan[]; flush: () => Promise<void>; stop: () => Promise<void> } {
  const recorder = new InMemorySpanExporter();
  const provider = new TracerProvider({
    idGenerator: new SeededIdGenerator(seed),
    spanProcessors: [
      new TeeSpanProcessor([new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url, ...(token !== undefined && { headers: { authorization: `Bearer ${token}` } }) }), scheduledDelayMillis: 50 }), new SimpleSpanProcessor({ exporter: recorder })]),
    ],
  });
  return {
    tracer: provider.getTracer('collector-test-agent'),
    emitted: () => recorder.getFinishedSpans(),
    flush: () => provider.forceFlush(),
    stop: () => provider.shutdown(),
  };
}

function gatewayConfig(sink: TraceSink, ports: { http: number; grpc?: number }): GatewayConfigInput {
  return {
    listen: `127.0.0.1:${ports.http}`,
    ...(ports.grpc !== undefined && { grpc: { listen: `127.0.0.1:${ports.grpc}` } }),
    auth: { bearerToken: TOKEN },
    forward: { endpoint: `${sink.url}/v1/traces`, flushIntervalMs: 50 },
    triage: { decisionWaitMs: 1000 },
  };
}

/** Per trace: each `agent_triage.failure` event as span/signal/class, and the turn outcome. */
function findingsByTrace(spans: readonly ReadableSpan[]): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [traceId, traceSpans] of byTrace(spans)) {
    result[traceId] = traceSpans
      .flatMap(span => [
        ...span.events.filter(e => e.name === 'agent_triage.failure').map(e => `${span.spanContext().spanId} ${String(e.attributes?.['agent_triage.signal'])}/${String(e.attributes?.['agent_triage.class'])}`),
        ...(span.attributes['agent_triage.turn.outcome'] === undefined ? [] : [`${span.spanContext().spanId} outcome=${String(span.attributes['agent_triage.turn.outcome'])}`]),
      ])
      .sort();
  }
  return result;
}

async function allArrived(sink: TraceSink, emitted: readonly ReadableSpan[]): Promise<void> {
  const expected = new Set(emitted.map(spanKey));
  await waitFor(`all ${expected.size} spans at the sink`, () => {
    const received = new Set(sink.spans.map(spanKey));
    return [...expected].every(key => received.has(key)) ? true : undefined;
  }, 60_000, 100);
}

function expectExactlyOnce(received: readonly ReadableSpan[], emitted: readonly ReadableSpan[]): void {
  const keys = received.map(spanKey);
  expect(new Set(keys).size, 'no span arrives twice').toBe(keys.length);
  expect([...keys].sort()).toEqual(emitted.map(spanKey).sort());
}

const processes = new Processes();
const sinks: TraceSink[] = [];
afterEach(async () => {
  await processes.stopAll();
  await Promise.all(sinks.splice(0).map(sink => sink.close()));
});

async function newSink(): Promise<TraceSink> {
  const sink = await startTraceSink();
  sinks.push(sink);
  return sink;
}

/** agents → Collector (examples/collector/otel-collector-loadbalancing.yaml) → three gateways over gRPC → sink. */
async function startScaledOut(sink: TraceSink): Promise<{ otlpHttp: string; collector: Child; gateways: Child[]; ports: { http: number; grpc: number }[] }> {
  const ports = await Promise.all(Array.from({ length: GATEWAYS }, async () => ({ http: await freePort(), grpc: await freePort() })));
  const gateways = await Promise.all(ports.map((p, i) => startGatewayProcess(processes, `gateway ${i + 1}`, gatewayConfig(sink, p))));
  const [grpc, http] = [await freePort(), await freePort()];
  const { child: collector } = await startCollector(processes, binary, {
    config: 'otel-collector-loadbalancing.yaml',
    env: {
      OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      AGENT_TRIAGE_TOKEN: TOKEN,
      ...Object.fromEntries(ports.map((p, i) => [`AGENT_TRIAGE_GATEWAY_${i + 1}`, `127.0.0.1:${p.grpc}`])),
    },
    // Retry a stopped gateway within the test's time, not after the default 5 s.
    overrides: {
      processors: { batch: { timeout: '100ms' } },
      exporters: { loadbalancing: { protocol: { otlp: { retry_on_failure: { initial_interval: '200ms', max_interval: '1s', max_elapsed_time: '60s' } } } } },
    },
  });
  return { otlpHttp: `http://127.0.0.1:${http}`, collector, gateways, ports };
}

async function send(agent: ReturnType<typeof startAgent>, turns: readonly PlannedTurn[]): Promise<void> {
  for (const turn of turns) runTurn(agent.tracer, turn.script);
  await agent.flush();
}

describe.skipIf(binary === '')('scale-out through the Collector loadbalancing exporter (examples/collector/otel-collector-loadbalancing.yaml)', () => {
  it('three gateways behind routing_key traceID: every span exactly once, each turn judged as by one gateway', async () => {
    const turns = [1, 2, 3].flatMap(wave);

    // The same traffic (seeded ids) through one gateway, directly.
    const singleSink = await newSink();
    const singlePort = await freePort();
    const single = await startGatewayProcess(processes, 'single gateway', gatewayConfig(singleSink, { http: singlePort }));
    const direct = startAgent(`http://127.0.0.1:${singlePort}/v1/traces`, 'scale-out', TOKEN);
    await send(direct, turns);
    await allArrived(singleSink, direct.emitted());
    expect(await single.stop()).toBe(0);

    const sink = await newSink();
    const { otlpHttp, collector, gateways, ports } = await startScaledOut(sink);
    const agent = startAgent(`${otlpHttp}/v1/traces`, 'scale-out');
    await send(agent, turns);
    await allArrived(sink, agent.emitted());
    // Every gateway took a share over gRPC.
    for (const p of ports) {
      expect(sumOfMetric(await scrape(`http://127.0.0.1:${p.http}/metrics`), 'agent_triage_gateway_spans_received_total', { agent_triage_gateway_encoding: 'grpc' })).toBeGreaterThan(0);
    }
    // Stop the Collector, then the gateways: after a drained shutdown nothing more can arrive.
    expect(await collector.stop()).toBe(0);
    for (const gateway of gateways) expect(await gateway.stop()).toBe(0);

    expect(agent.emitted().map(spanKey)).toEqual(direct.emitted().map(spanKey));
    expectExactlyOnce(sink.spans, agent.emitted());
    const scaled = findingsByTrace(sink.spans);
    expect(Object.values(scaled).flat().filter(f => f.endsWith('outcome=failed'))).toHaveLength(3 * TURN_LOCAL_FAILURES.length);
    expect(scaled).toEqual(findingsByTrace(singleSink.spans));
  });

  it('a gateway stopped with SIGTERM mid-run loses nothing: what it accepted is forwarded, the rest is retried by the Collector', async () => {
    const sink = await newSink();
    const { otlpHttp, collector, gateways, ports } = await startScaledOut(sink);
    const agent = startAgent(`${otlpHttp}/v1/traces`, 'sigterm');
    const [first, second, third] = [wave(1), wave(2), wave(3)];

    await send(agent, first);
    // Mid-run: a gateway that has accepted spans still holds their turns (decisionWaitMs) when it is stopped. Which
    // gateways the first wave reaches depends on the ring (made from the ports), so the first one seen is stopped.
    const stoppedAt = await waitFor('a gateway to accept spans', async () => {
      for (const [at, p] of ports.entries()) {
        if (sumOfMetric(await scrape(`http://127.0.0.1:${p.http}/metrics`), 'agent_triage_gateway_spans_received_total') > 0) return at;
      }
      return undefined;
    });
    const stoppedPorts = present(ports[stoppedAt]);
    const stopped = present(gateways[stoppedAt]);
    expect(await stopped.stop()).toBe(0);
    expect(stopped.output).toContain('SIGTERM: flushing and stopping');
    await send(agent, second);
    // The Collector retries what the stopped gateway refused until it is back on its port.
    await waitFor('the Collector to fail exporting to the stopped gateway', () => (collector.output.includes('Will retry') ? true : undefined));
    await startGatewayProcess(processes, `gateway ${stoppedAt + 1} (restarted)`, gatewayConfig(sink, stoppedPorts));
    await send(agent, third);

    await allArrived(sink, agent.emitted());
    expect(await collector.stop()).toBe(0);
    await processes.stopAll();
    expectExactlyOnce(sink.spans, agent.emitted());
  });
});

function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('missing');
  return value;
}
