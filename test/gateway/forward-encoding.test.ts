import type { Attributes } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { enrichSpan } from '../../src/emit/span-enrichment.js';
import { encodeForwardRequest } from '../../src/gateway/forward-encoding.js';
import { otlpTypes } from '../../src/gateway/otlp-proto.js';
import { decodeProtoRequest } from '../../src/gateway/proto-request.js';
import { present } from '../helpers/gateway.js';

type Json = Record<string, unknown>;

const SPAN = {
  traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
  spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
  name: 'invoke_agent support',
  kind: 1,
  startTimeUnixNano: '1700000000000000001',
  endTimeUnixNano: '1700000000900000003',
  attributes: [
    { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
    { key: 'agent_triage.turn.outcome', value: { stringValue: 'ok' } },
  ],
  events: [{ timeUnixNano: '1700000000150000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
};

function requestBytes(): Uint8Array {
  const request = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] }, scopeSpans: [{ scope: { name: 'test' }, spans: [SPAN] }] }] };
  return otlpTypes.request.encode(otlpTypes.request.fromObject(request)).finish();
}

/** The received span, enriched as triage would, forwarded, then the forwarded request's one span decoded. */
function forwardEnriched(attributes: Attributes, events: TimedEvent[]): { span: Json; bytes: Uint8Array; original: Uint8Array } {
  const received = present(decodeProtoRequest(requestBytes()).spans[0], 'received span');
  const bytes = encodeForwardRequest([enrichSpan(received, events, attributes)]);
  const request = otlpTypes.request.toObject(otlpTypes.request.decode(bytes), { longs: String }) as { resourceSpans: { scopeSpans: { spans: Json[] }[] }[] };
  const spans = request.resourceSpans.flatMap(rs => rs.scopeSpans.flatMap(ss => ss.spans));
  expect(spans).toHaveLength(1);
  const original = otlpTypes.span.encode(otlpTypes.span.fromObject(SPAN)).finish();
  return { span: present(spans[0], 'forwarded span'), bytes, original };
}

const FAILURE: TimedEvent = {
  name: 'agent_triage.failure',
  time: [1_700_000_000, 950_000_007],
  attributes: { 'agent_triage.failure.category': 'tool_error', 'agent_triage.signals': ['a', 'b'], 'agent_triage.count': 2, 'agent_triage.ratio': 0.5, 'agent_triage.flag': true },
};

const EXPECTED_FAILURE = {
  timeUnixNano: '1700000000950000007',
  name: 'agent_triage.failure',
  attributes: [
    { key: 'agent_triage.failure.category', value: { stringValue: 'tool_error' } },
    { key: 'agent_triage.signals', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
    { key: 'agent_triage.count', value: { intValue: '2' } },
    { key: 'agent_triage.ratio', value: { doubleValue: 0.5 } },
    { key: 'agent_triage.flag', value: { boolValue: true } },
  ],
};

/** What triage wrote on the span in `appends ...` below, as the encoder wrote it before it used the otlpTypes encoders. */
const APPENDED_HEX = [
  '4a1e0a186167656e745f7472696167652e7475726e2e6661696c6564120210014a200a1a6167656e745f7472696167652e74',
  '75726e2e66696e64696e6773120218025ac8010987d9c96efe9c971712146167656e745f7472696167652e6661696c757265',
  '1a2d0a1d6167656e745f7472696167652e6661696c7572652e63617465676f7279120c0a0a746f6f6c5f6572726f721a240a',
  '146167656e745f7472696167652e7369676e616c73120c2a0a0a030a01610a030a01621a180a126167656e745f7472696167',
  '652e636f756e74120218021a1f0a126167656e745f7472696167652e726174696f120921000000000000e03f1a170a116167',
  '656e745f7472696167652e666c616712021001',
].join('');

describe('forward encoding of a received span triage wrote on', () => {
  it('appends new attributes and events after the span bytes as received', () => {
    const { span, bytes, original } = forwardEnriched({ 'agent_triage.turn.failed': true, 'agent_triage.turn.findings': 2 }, [FAILURE]);
    // The span goes out as the bytes it came in, followed by what triage wrote.
    expect(Buffer.from(bytes).toString('hex').endsWith(Buffer.from(original).toString('hex') + APPENDED_HEX)).toBe(true);
    expect(span['attributes']).toEqual([
      ...SPAN.attributes,
      { key: 'agent_triage.turn.failed', value: { boolValue: true } },
      { key: 'agent_triage.turn.findings', value: { intValue: '2' } },
    ]);
    expect(span['events']).toEqual([{ ...present(SPAN.events[0], 'event'), timeUnixNano: '1700000000150000000' }, EXPECTED_FAILURE]);
    expect(span['name']).toBe(SPAN.name);
    expect(span['startTimeUnixNano']).toBe(SPAN.startTimeUnixNano);
  });

  it('re-encodes a span whose written key it already has, so the key appears once with the written value', () => {
    const { span, bytes, original } = forwardEnriched({ 'agent_triage.turn.outcome': 'failed', 'agent_triage.turn.failed': true }, [FAILURE]);
    expect(Buffer.from(bytes).includes(Buffer.from(original))).toBe(false);
    expect(span['attributes']).toEqual([
      { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
      { key: 'agent_triage.turn.outcome', value: { stringValue: 'failed' } },
      { key: 'agent_triage.turn.failed', value: { boolValue: true } },
    ]);
    expect(span['events']).toEqual([{ ...present(SPAN.events[0], 'event'), timeUnixNano: '1700000000150000000' }, EXPECTED_FAILURE]);
    expect(span['name']).toBe(SPAN.name);
    expect(span['endTimeUnixNano']).toBe(SPAN.endTimeUnixNano);
    expect(Buffer.from(span['traceId'] as Uint8Array).toString('hex')).toBe('5b8efff798038103d269b633813fc60c');
  });
});
