import { Metadata } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { failureEvents } from '../helpers/harness.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { postTraces, present, receivedSpans, startTestGateway } from '../helpers/gateway.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  await receiver?.close();
  gateway = undefined;
  receiver = undefined;
});

const SENDERS: { name: string; exporter: (g: Gateway) => SpanExporter; encoding: string }[] = [
  { name: 'exporter-trace-otlp-proto', exporter: g => new ProtobufExporter({ url: `${g.url}/v1/traces` }), encoding: 'protobuf' },
  { name: 'exporter-trace-otlp-http', exporter: g => new HttpJsonExporter({ url: `${g.url}/v1/traces` }), encoding: 'json' },
  { name: 'exporter-trace-otlp-grpc', exporter: g => new GrpcExporter({ url: `http://127.0.0.1:${g.grpcPort ?? 0}` }), encoding: 'grpc' },
];

describe('gateway forwarding', () => {
  it.each(SENDERS)('receives from the real $name, triages, and forwards every span once with its findings', async ({ exporter, encoding }) => {
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces` }, grpc: { listen: '127.0.0.1:0' } });
    // Small batches, so a turn's spans reach the gateway in several requests.
    const provider = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter: exporter(gateway), maxExportBatchSize: 2, scheduledDelayMillis: 1 })],
    });
    const tracer = provider.getTracer('sender');
    const healthy = runTurn(tracer, HEALTHY_TURN);
    const failed = runTurn(tracer, {
      steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'c1', fail: 'database down' } }, { llm: { text: 'sorry' } }],
    });
    const provider503 = runTurn(tracer, { agent: 'billing-agent', steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    await provider.shutdown();
    await gateway.shutdown();

    const spans = receivedSpans(receiver.requests);
    const sent = [healthy, failed, provider503].flatMap(t => [t.rootSpanId, ...t.stepSpanIds]);
    expect(spans.map(s => s.spanContext().spanId).sort()).toEqual([...sent].sort());
    const byId = new Map(spans.map(s => [s.spanContext().spanId, s]));
    expect(failureEvents(present(byId.get(failed.stepSpanIds[1] ?? ''), 'tool span'))).toMatchObject([{ 'agent_triage.signal': 'tool_error', 'agent_triage.class': 'logic' }]);
    expect(byId.get(failed.rootSpanId)?.attributes).toMatchObject({ 'agent_triage.turn.outcome': 'failed', 'agent_triage.failure_signals': 'tool_error' });
    expect(failureEvents(present(byId.get(provider503.stepSpanIds[0] ?? ''), 'llm span'))).toMatchObject([{ 'agent_triage.signal': 'provider_error', 'agent_triage.class': 'infra' }]);
    expect(byId.get(healthy.rootSpanId)?.attributes['agent_triage.turn.outcome']).toBe('ok');
    expect(byId.get(healthy.rootSpanId)?.instrumentationScope.name).toBe('sender');
    expect(gateway.metrics.received.get([encoding])).toBe(sent.length);
    expect(gateway.metrics.forwarded.get(['otlp', 'ok'])).toBe(sent.length);
  });

  it('refuses OTLP/gRPC without the bearer token, and accepts it with the token', async () => {
    gateway = await startTestGateway({ grpc: { listen: '127.0.0.1:0' }, auth: { bearerToken: 's3cret' } });
    const spans = recordSpans(tracer => runTurn(tracer, HEALTHY_TURN));
    const send = (authorization?: string) =>
      new Promise<ExportResult>(resolve => {
        const metadata = new Metadata();
        if (authorization !== undefined) metadata.set('authorization', authorization);
        new GrpcExporter({ url: `http://127.0.0.1:${gateway?.grpcPort ?? 0}`, metadata }).export(spans, resolve);
      });
    expect((await send()).code).toBe(ExportResultCode.FAILED);
    expect((await send('Bearer wrong')).code).toBe(ExportResultCode.FAILED);
    expect(gateway.metrics.rejectedRequests.get(['unauthorized'])).toBe(2);
    expect((await send('Bearer s3cret')).code).toBe(ExportResultCode.SUCCESS);
    expect(gateway.metrics.received.get(['grpc'])).toBe(spans.length);
  });

  it('assembles a turn whose root arrives before its children, in separate requests', async () => {
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces` } });
    let turn: ReturnType<typeof runTurn> | undefined;
    const spans = recordSpans(tracer => {
      turn = runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'search' }] } }, { llm: { text: 'done' } }] });
    });
    const root = spans.filter(s => s.spanContext().spanId === turn?.rootSpanId);
    const children = spans.filter(s => s.spanContext().spanId !== turn?.rootSpanId).reverse();
    for (const batch of [root, ...children.map(c => [c])]) expect((await postTraces(gateway, toOtlpJson(batch))).status).toBe(200);
    await gateway.shutdown();

    const received = receivedSpans(receiver.requests);
    expect(received).toHaveLength(spans.length);
    const forwardedRoot = received.find(s => s.spanContext().spanId === turn?.rootSpanId);
    expect(forwardedRoot?.attributes).toMatchObject({ 'agent_triage.turn.outcome': 'failed', 'agent_triage.failure_signals': 'skipped_planned_call' });
  });
});
