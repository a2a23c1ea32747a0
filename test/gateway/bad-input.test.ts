import { gzipSync } from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway, GatewayConfigInput } from '../../src/gateway/index.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { postTraces, present, startTestGateway } from '../helpers/gateway.js';

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  gateway = undefined;
});

const turnSpans = () => recordSpans(tracer => runTurn(tracer, HEALTHY_TURN));
const validJson = () => toOtlpJson(turnSpans());
const validProtobuf = (): Uint8Array => present(ProtobufTraceSerializer.serializeRequest(turnSpans()), 'protobuf body');
const PROTOBUF = { 'content-type': 'application/x-protobuf' };

/** A body stream in 8 KiB pieces: fetch sends it chunked, with no content-length. */
function chunks(body: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + 8192));
      offset += 8192;
    },
  });
}

interface Case {
  name: string;
  config?: GatewayConfigInput;
  /** Requests sent first, e.g. to fill the queue. */
  before?: () => string;
  body: () => string | Uint8Array;
  headers?: Record<string, string>;
  /** Send the body as a stream, so the limit is enforced while reading. */
  chunked?: boolean;
  status: number;
  message: string;
  retryAfter?: string;
}

const CASES: Case[] = [
  { name: 'truncated protobuf', body: () => validProtobuf().slice(0, -7), headers: PROTOBUF, status: 400, message: 'invalid protobuf body' },
  { name: 'invalid JSON', body: () => '{"resourceSpans": [', status: 400, message: 'invalid JSON body' },
  { name: 'JSON that is not a trace request', body: () => '{"resourceSpans": 5}', status: 400, message: 'request: resourceSpans: ' },
  {
    name: 'a request whose only span is invalid',
    body: () => validJson().replace(/"spanId":"[0-9a-f]{16}"/g, '"spanId":"xyz"'),
    status: 400,
    message: 'spanId must be 16 hex characters',
  },
  { name: 'wrong content type', body: validJson, headers: { 'content-type': 'text/plain' }, status: 415, message: 'unsupported content-type' },
  { name: 'unknown content encoding', body: validJson, headers: { 'content-encoding': 'br' }, status: 415, message: 'unsupported content-encoding' },
  {
    name: 'oversized body',
    config: { limits: { maxRequestBytes: 64 * 1024 } },
    body: () => validJson() + ' '.repeat(100_000),
    status: 413,
    message: 'request body exceeds the limit of 65536 bytes',
  },
  {
    name: 'oversized body without a content-length (chunked)',
    config: { limits: { maxRequestBytes: 64 * 1024 } },
    body: () => validJson() + ' '.repeat(100_000),
    chunked: true,
    status: 413,
    message: 'request body exceeds the limit of 65536 bytes',
  },
  {
    name: 'gzip bomb',
    config: { limits: { maxRequestBytes: 64 * 1024 } },
    body: () => gzipSync(Buffer.alloc(8 * 1024 * 1024, ' ')),
    headers: { 'content-encoding': 'gzip' },
    status: 413,
    message: 'decompressed request body exceeds',
  },
  { name: 'missing token', config: { auth: { bearerToken: 's3cret' } }, body: validJson, status: 401, message: 'missing bearer token' },
  { name: 'wrong token', config: { auth: { bearerToken: 's3cret' } }, body: validJson, headers: { authorization: 'Bearer nope' }, status: 401, message: 'invalid bearer token' },
  {
    name: 'a full queue',
    // The first turn's root is held for the decision wait, so the queue is not empty.
    config: { limits: { maxQueueSpans: 4, retryAfterSeconds: 7 } },
    before: validJson,
    body: validJson,
    status: 503,
    message: 'queue is full',
    retryAfter: '7',
  },
];

describe('gateway bad input', () => {
  it.each(CASES)('answers $name with $status and a clear message, and keeps serving', async c => {
    gateway = await startTestGateway({ ...c.config, triage: { decisionWaitMs: 60_000 } });
    const token = c.config?.auth?.bearerToken;
    const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    if (c.before) expect((await postTraces(gateway, c.before(), auth)).status).toBe(200);
    const body = c.body();
    const res = c.chunked
      ? await fetch(`${gateway.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunks(body), duplex: 'half' })
      : await postTraces(gateway, body, c.headers ?? {});
    expect(res.status).toBe(c.status);
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toContain(c.message);
    expect(res.headers.get('retry-after') ?? undefined).toBe(c.retryAfter);
    if (c.status === 401) expect(res.headers.get('www-authenticate')).toBe('Bearer');

    if (c.retryAfter === undefined) {
      const ok = await postTraces(gateway, validProtobuf(), { ...PROTOBUF, ...auth });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('application/x-protobuf');
    }
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('accepts the valid spans of a request and reports the rest as a partial success', async () => {
    gateway = await startTestGateway();
    const json = JSON.parse(validJson()) as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] };
    const spans = present(json.resourceSpans[0]?.scopeSpans[0]?.spans, 'spans');
    present(spans[0], 'first span').traceId = 'not-hex';
    const res = await postTraces(gateway, JSON.stringify(json));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('1');
    expect(body.partialSuccess.errorMessage).toContain('resourceSpans.0.scopeSpans.0.spans.0: traceId: traceId must be 32 hex characters');
    expect(gateway.metrics.received.get(['json'])).toBe(spans.length - 1);
    expect(gateway.metrics.rejectedSpans.get(['bad_data'])).toBe(1);
  });

  it('accepts gzip, answers health, readiness and metrics, and refuses other routes', async () => {
    gateway = await startTestGateway();
    const gz = await postTraces(gateway, gzipSync(validProtobuf()), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(await (await fetch(`${gateway.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('agent_triage_gateway_spans_received_total{agent_triage_gateway_encoding="protobuf"');
    // Saturation shows in the gateway's own metrics: the event loop's busy share since the last scrape, 0 to 1.
    const utilization = Number(/^agent_triage_gateway_event_loop_utilization(?:\{[^}]*\})? ([\d.e-]+)/m.exec(metrics)?.[1]);
    expect(utilization).toBeGreaterThanOrEqual(0);
    expect(utilization).toBeLessThanOrEqual(1);
    expect((await fetch(`${gateway.url}/v1/traces`)).status).toBe(405);
    expect((await fetch(`${gateway.url}/v1/logs`, { method: 'POST' })).status).toBe(404);
    expect(gateway.metrics.rejectedRequests.get(['not_found'])).toBe(1);
  });
});
