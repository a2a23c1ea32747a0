import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { otlpTypes } from '../../src/gateway/otlp-proto.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { forwardedRequest, postTraces, present, startTestGateway } from '../helpers/gateway.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  await receiver?.close();
});

const TRACE = '5b8efff798038103d269b633813fc60c';
const ROOT = 'eee19b7ec3c1b174';
const TOOL = 'eee19b7ec3c1b173';

/** Attribute values OTel JS attributes cannot hold: maps, bytes, mixed arrays, an empty value. */
const RICH = [
  { key: 'payload', value: { kvlistValue: { values: [{ key: 'n', value: { intValue: '7' } }, { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }] } } }] } } },
  { key: 'blob', value: { bytesValue: 'AAEC/w==' } },
  { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }, { boolValue: true }] } } },
  { key: 'ratio', value: { doubleValue: 0.25 } },
  { key: 'empty', value: {} },
];

const request = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'py-agent' } }, ...RICH] },
      schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
      scopeSpans: [
        {
          scope: { name: 'openinference', version: '1.2', attributes: [{ key: 'scope.map', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } }] },
          schemaUrl: 'https://opentelemetry.io/schemas/1.29.0',
          spans: [
            {
              traceId: TRACE,
              spanId: ROOT,
              traceState: 'vendor=abc',
              name: 'invoke_agent support',
              kind: 1,
              startTimeUnixNano: '1700000000000000001',
              endTimeUnixNano: '1700000000900000003',
              attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }, { key: 'gen_ai.agent.name', value: { stringValue: 'support' } }, ...RICH],
              links: [{ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceState: 'k=v', attributes: RICH.slice(0, 1) }],
              status: { code: 1, message: 'fine' },
            },
            {
              traceId: TRACE,
              spanId: TOOL,
              parentSpanId: ROOT,
              flags: 0x101,
              name: 'execute_tool lookup',
              kind: 1,
              startTimeUnixNano: '1700000000100000000',
              endTimeUnixNano: '1700000000200000000',
              attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } }, { key: 'gen_ai.tool.name', value: { stringValue: 'lookup' } }, ...RICH],
              events: [{ timeUnixNano: '1700000000150000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }, ...RICH] }],
              status: { code: 2, message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
};

type Json = Record<string, unknown>;
/** JSON numbers and decimal strings are the same int64 on the wire. */
const sameInts = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/"intValue":"(\d+)"/g, '"intValue":$1'));
const attrs = (list: unknown): Json[] => sameInts(list) as Json[];
const withoutTriage = (list: Json[]): Json[] => list.filter(kv => !String(kv['key']).startsWith('agent_triage.'));

/** The same request as OTLP/protobuf: ids from hex to bytes, then the protocol's own encoding. */
function asProtobuf(json: unknown): Uint8Array {
  const withByteIds = JSON.parse(JSON.stringify(json), (key, value: unknown) =>
    ['traceId', 'spanId', 'parentSpanId'].includes(key) && typeof value === 'string' ? Buffer.from(value, 'hex').toString('base64') : value,
  ) as Record<string, unknown>;
  return otlpTypes.request.encode(otlpTypes.request.fromObject(withByteIds)).finish();
}

describe('gateway forwarding is lossless', () => {
  it.each([
    // The SDK's serializer marks the parent's remoteness as known (0x100); received bytes go out as they came.
    { encoding: 'OTLP/JSON', body: () => JSON.stringify(request), headers: { 'content-type': 'application/json' }, unsetFlags: 0x100 },
    { encoding: 'OTLP/protobuf (forwarded as the bytes received)', body: () => asProtobuf(request), headers: { 'content-type': 'application/x-protobuf' }, unsetFlags: 0 },
  ])('$encoding: forwards resource, scope, ids, times, links, status and every attribute as received, plus only what triage added', async ({ body, headers, unsetFlags }) => {
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces` } });
    expect((await postTraces(gateway, body(), headers)).status).toBe(200);
    await gateway.shutdown();

    const out = receiver.requests.map(r => forwardedRequest(r) as { resourceSpans: Json[] });
    const resourceSpans = out.flatMap(r => r.resourceSpans) as { resource: Json; schemaUrl: string; scopeSpans: { scope: Json; schemaUrl: string; spans: Json[] }[] }[];
    const sent = present(request.resourceSpans[0], 'sent resourceSpans');
    const sentScope = present(sent.scopeSpans[0], 'sent scopeSpans');
    for (const rs of resourceSpans) {
      expect(attrs(rs.resource['attributes'])).toEqual(attrs(sent.resource.attributes));
      expect(rs.schemaUrl).toBe(sent.schemaUrl);
      for (const ss of rs.scopeSpans) {
        expect(ss.scope).toMatchObject({ name: 'openinference', version: '1.2', attributes: sentScope.scope.attributes });
        expect(ss.schemaUrl).toBe(sentScope.schemaUrl);
      }
    }
    const spans = resourceSpans.flatMap(rs => rs.scopeSpans.flatMap(ss => ss.spans));
    expect(spans).toHaveLength(2);
    for (const original of sentScope.spans) {
      const forwarded = present(spans.find(s => s['spanId'] === original.spanId), original.spanId);
      const { attributes, events = [], links = [], flags, ...plain } = original as Json & { attributes: Json[]; events?: Json[]; links?: Json[] };
      expect(forwarded).toMatchObject(plain);
      expect(Number(forwarded['flags'] ?? 0) & 0x3ff).toBe(flags ?? unsetFlags);
      expect(withoutTriage(attrs(forwarded['attributes']))).toEqual(attrs(attributes));
      // Protobuf leaves empty lists out.
      const forwardedEvents = (forwarded['events'] ?? []) as Json[];
      expect(sameInts(forwardedEvents.slice(0, events.length))).toMatchObject(sameInts(events) as Json[]);
      expect(forwardedEvents.slice(events.length).every(e => e['name'] === 'agent_triage.failure')).toBe(true);
      expect(sameInts(forwarded['links'] ?? [])).toMatchObject(sameInts(links) as Json[]);
    }
    const tool = present(spans.find(s => s['spanId'] === TOOL), 'tool');
    expect((tool['events'] as Json[]).map(e => e['name'])).toEqual(['exception', 'agent_triage.failure']);
    const root = present(spans.find(s => s['spanId'] === ROOT), 'root');
    expect(attrs(root['attributes'])).toContainEqual({ key: 'agent_triage.turn.outcome', value: { stringValue: 'failed' } });
  });
});
