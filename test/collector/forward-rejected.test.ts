import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runTurn } from '../helpers/scripted-agent.js';
import { healthyTurns } from './helpers/agent-traffic.js';
import { freePort, Processes, scrape, startCollector, startGatewayProcess, sumOfMetric, waitFor } from './helpers/processes.js';
import { startTraceSink } from './helpers/trace-sink.js';
import type { TraceSink } from './helpers/trace-sink.js';

const binary = inject('otelcolBinary');
const processes = new Processes();
const sinks: TraceSink[] = [];
afterEach(async () => {
  await processes.stopAll();
  await Promise.all(sinks.splice(0).map(sink => sink.close()));
});

describe.skipIf(binary === '')('a forwarded request the Collector refuses', () => {
  it('is counted as lost and logged once with the Collector’s message', async () => {
    const sink = await startTraceSink();
    sinks.push(sink);
    const [grpc, http, prometheus, gatewayPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    await startCollector(processes, binary, {
      config: 'otel-collector-tail-sampling.yaml',
      env: {
        OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
        OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
        PROMETHEUS_ENDPOINT: `127.0.0.1:${prometheus}`,
        TRACING_BACKEND_ENDPOINT: sink.url,
      },
      // Far below any batch of spans.
      overrides: { receivers: { otlp: { protocols: { http: { max_request_body_size: 64 } } } } },
    });
    const gateway = await startGatewayProcess(processes, 'gateway', {
      listen: `127.0.0.1:${gatewayPort}`,
      forward: { endpoint: `http://127.0.0.1:${http}/v1/traces`, flushIntervalMs: 50, maxBatchSpans: 8 },
      triage: { decisionWaitMs: 100 },
    });

    const provider = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${gatewayPort}/v1/traces` }), scheduledDelayMillis: 20 })],
    });
    const tracer = provider.getTracer('collector-test-agent');
    for (const turn of healthyTurns(10)) runTurn(tracer, turn.script);
    await provider.forceFlush();
    await provider.shutdown();
    const sent = 10 * 4;

    const metrics = `http://127.0.0.1:${gatewayPort}/metrics`;
    await waitFor('every forwarded span counted as failed', async () => {
      const failed = sumOfMetric(await scrape(metrics), 'agent_triage_gateway_spans_forwarded_total', { agent_triage_gateway_outcome: 'failed' });
      return failed === sent ? true : undefined;
    });
    const text = await scrape(metrics);
    expect(sumOfMetric(text, 'agent_triage_gateway_spans_forwarded_total', { agent_triage_gateway_outcome: 'ok' })).toBe(0);
    expect(sink.spans).toHaveLength(0);
    // Several batches were refused; the Collector's reason is logged once, in its own words.
    await waitFor('the gateway to log the loss', () => (gateway.output.includes('forwarding failed') ? true : undefined), 5_000);
    const lines = gateway.output.split('\n').filter(line => line.includes('forwarding failed'));
    expect(lines, gateway.output).toHaveLength(1);
    expect(lines[0]).toContain('http: request body too large');
  });
});
