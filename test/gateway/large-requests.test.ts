import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { recordSpans } from '../helpers/otlp-files.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { present, receivedSpans, startTestGateway } from '../helpers/gateway.js';

let gateway: Gateway | undefined;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  await receiver?.close();
  gateway = undefined;
  receiver = undefined;
});

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const MB = 1024 * 1024;

function post(body: Uint8Array): Promise<Response> {
  return fetch(`${present(gateway, 'gateway').url}/v1/traces`, { method: 'POST', headers: PROTOBUF, body });
}

/** Posts `spans` as one OTLP/protobuf request of up to 64 MB to a gateway forwarding to a receiver; what the receiver got once the gateway shut down. */
async function forwardedOneRequest(spans: Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0]): Promise<ReturnType<typeof receivedSpans>> {
  receiver = await startOtlpReceiver();
  gateway = await startTestGateway({ limits: { maxRequestBytes: 64 * MB }, forward: { endpoint: `${receiver.url}/v1/traces` } });
  expect((await post(present(ProtobufTraceSerializer.serializeRequest(spans), 'protobuf body'))).status).toBe(200);
  await gateway.shutdown();
  return receivedSpans(receiver.requests);
}

describe('gateway: large requests cost bounded work and lose nothing', () => {
  it('takes a 100,000-span request when its limits allow it and forwards every span exactly once', async () => {
    const spans = recordSpans(tracer => {
      for (let i = 0; i < 100_000; i++) tracer.startSpan(`GET /item/${i % 100}`, { attributes: { 'http.request.method': 'GET' } }).end();
    });
    const body = present(ProtobufTraceSerializer.serializeRequest(spans), 'protobuf body');
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({
      limits: { maxRequestBytes: 64 * MB, maxQueueSpans: 200_000 },
      forward: { endpoint: `${receiver.url}/v1/traces`, maxBatchSpans: 8192 },
    });
    expect((await post(body)).status).toBe(200);
    await gateway.shutdown();
    const ids = receivedSpans(receiver.requests).map(s => s.spanContext().spanId);
    expect(ids).toHaveLength(100_000);
    expect(new Set(ids).size).toBe(100_000);
  }, 60_000);

  it('refuses a 100,000-span request that would overfill a queue holding spans with 503 + Retry-After (an empty queue takes any one request)', async () => {
    const one = recordSpans(tracer => {
      tracer.startSpan('GET /item').end();
    });
    const many = recordSpans(tracer => {
      for (let i = 0; i < 100_000; i++) tracer.startSpan('GET /item').end();
    });
    // Both bodies are serialized first, so nothing slow happens between the two posts.
    const oneBody = present(ProtobufTraceSerializer.serializeRequest(one), 'protobuf body');
    const manyBody = present(ProtobufTraceSerializer.serializeRequest(many), 'protobuf body');
    // A backend that refuses connections (a port just closed) keeps the first span queued while it is retried:
    // retried for far longer than the test runs (the short shutdown timeout ends the retries in afterEach).
    const closed = createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise(resolve => closed.close(resolve));
    gateway = await startTestGateway({
      limits: { maxRequestBytes: 64 * MB, maxQueueSpans: 50_000 },
      forward: { endpoint: `http://127.0.0.1:${port}/v1/traces`, retry: { maxElapsedMs: 120_000 } },
      shutdownTimeoutMs: 1_000,
    });
    expect((await post(oneBody)).status).toBe(200);
    const res = await post(manyBody);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  }, 60_000);

  it('forwards a span with a 10 MB content attribute untouched, its turn judged', async () => {
    const big = JSON.stringify({ body: 'y'.repeat(10 * MB) });
    const spans = recordSpans(tracer => {
      const root = tracer.startSpan('invoke_agent reader', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
      const ctx = trace.setSpan(context.active(), root);
      tracer
        .startSpan('execute_tool read', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'read', 'gen_ai.tool.call.arguments': '{}', 'gen_ai.tool.call.result': big } }, ctx)
        .end();
      root.end();
    });
    const forwarded = await forwardedOneRequest(spans);
    expect(forwarded).toHaveLength(2);
    expect(forwarded.find(s => s.name === 'execute_tool read')?.attributes['gen_ai.tool.call.result']).toBe(big);
    expect(forwarded.find(s => s.name === 'invoke_agent reader')?.attributes['agent_triage.turn.outcome']).toBe('ok');
  }, 60_000);

  it('forwards a failing LLM step with a 10 MB status and exception message as it came, judged on their first maxContentChars characters', async () => {
    const message = `upstream error: ${'z'.repeat(10 * MB)} timeout`;
    const spans = recordSpans(tracer => {
      const root = tracer.startSpan('invoke_agent reader', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'reader' } });
      const llm = tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai' } }, trace.setSpan(context.active(), root));
      llm.recordException({ name: 'ProviderError', message });
      llm.setStatus({ code: SpanStatusCode.ERROR, message });
      llm.end();
      root.end();
    });
    const forwarded = await forwardedOneRequest(spans);
    expect(forwarded).toHaveLength(2);
    const llm = present(forwarded.find(s => s.name === 'chat m'), 'the LLM step');
    expect(llm.status.message).toBe(message);
    expect(llm.events.find(e => e.name === 'exception')?.attributes?.['exception.message']).toBe(message);
    const root = present(forwarded.find(s => s.name === 'invoke_agent reader'), 'the turn root');
    expect(root.attributes['agent_triage.failure_signals']).toBe('provider_error');
    // "timeout" comes after the first maxContentChars characters, which are all that is read: not transient.
    const finding = present(llm.events.find(e => e.name === 'agent_triage.failure'), 'the finding event');
    expect(finding.attributes?.['agent_triage.signal']).toBe('provider_error');
    expect(finding.attributes?.['agent_triage.detail.transient']).toBe(false);
  }, 60_000);
});
