import { Gateway, resolveGatewayConfig } from '../../src/gateway/index.js';
import type { GatewayConfigInput } from '../../src/gateway/index.js';
import { decodeTraceRequestProto } from '../../src/gateway/otlp-proto.js';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { tempDir } from './otlp-files.js';
import type { ReceivedRequest } from './otlp-receiver.js';

/**
 * A gateway on an ephemeral loopback port; no OTEL_* variables leak in from the
 * environment, and files go to a temporary folder unless spans are forwarded.
 */
export function startTestGateway(config: GatewayConfigInput = {}, env: NodeJS.ProcessEnv = {}): Promise<Gateway> {
  const out = config.forward?.endpoint === undefined ? { out: tempDir() } : {};
  // Baselines stay in memory: a state file shared between runs would make findings depend on earlier runs.
  return Gateway.start(resolveGatewayConfig({ listen: '127.0.0.1:0', ...out, ...config, triage: { statePath: false, ...config.triage } }), env);
}

/** A forwarded request body in the OTLP/JSON shape, whichever encoding the gateway sent it in. */
export function forwardedRequest(request: ReceivedRequest): unknown {
  return request.contentType === 'application/x-protobuf' ? decodeTraceRequestProto(request.body) : JSON.parse(request.body.toString('utf8'));
}

/** Every span the receiver got, decoded from what the gateway's forwarder sent. */
export function receivedSpans(requests: readonly ReceivedRequest[]): ReadableSpan[] {
  return requests.flatMap(r => spansFromTraceRequest(forwardedRequest(r), r.path));
}

export async function postTraces(gateway: Gateway, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** The value, or a failed test naming what was missing. */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}
