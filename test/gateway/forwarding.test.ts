import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { failureEvents } from '../helpers/harness.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { postTraces, receivedSpans, startTestGateway } from '../helpers/gateway.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  await receiver?.close();
  gateway = undefined;
  receiver = undefined;
});

const SENDERS: { name: string; exporter: (url: string) => SpanExporter; encoding: string }[] = [
  { name: 'exporter-trace-otlp-proto', exporter: url => new ProtobufExporter({ url }), encoding: 'protobuf' },
  { name: 'exporter-trace-otlp-http', exporter: url => new HttpJsonExporter({ url }), encoding: 'json' },
];

describe('gateway forwarding', () => {
  it.each(SENDERS)('receives from the real $name, triages, and forwards every span once with its findings', async ({ exporter, encoding }) => {
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces` } });
    // Small batches, so a turn's spans reach the gateway in several requests.
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(exporter(`${gateway.url}/v1/traces`), { maxExportBatchSize: 2, scheduledDelayMillis: 1 })],
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
    expect(failureEvents(byId.get(failed.stepSpanIds[1] ?? '')!)).toMatchObject([{ 'agent_triage.signal': 'tool_error', 'agent_triage.class': 'logic' }]);
    expect(byId.get(failed.rootSpanId)?.attributes).toMatchObject({ 'agent_triage.turn.outcome': 'failed', 'agent_triage.failure_signals': 'tool_error' });
    expect(failureEvents(byId.get(provider503.stepSpanIds[0] ?? '')!)).toMatchObject([{ 'agent_triage.signal': 'provider_error', 'agent_triage.class': 'infra' }]);
    expect(byId.get(healthy.rootSpanId)?.attributes['agent_triage.turn.outcome']).toBe('ok');
    expect(byId.get(healthy.rootSpanId)?.instrumentationScope.name).toBe('sender');
    expect(gateway.metrics.received.get([encoding])).toBe(sent.length);
    expect(gateway.metrics.forwarded.get(['otlp', 'ok'])).toBe(sent.length);
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
