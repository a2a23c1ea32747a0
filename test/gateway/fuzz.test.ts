import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { present, receivedSpans, startTestGateway } from '../helpers/gateway.js';

/**
 * Black-box fuzzing of a live gateway over HTTP: random bodies, and mutations
 * of valid OTLP/JSON and OTLP/protobuf requests. Bounded runs, a fixed seed
 * (FUZZ_SEED to change it; fast-check prints it on failure).
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_129);
const RUNS = 60;

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let gateway: Gateway;
/** Spans the gateway said it accepted, summed from its answers. */
let accepted = 0;
let sentInRequests = 0;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces`, flushIntervalMs: 20 }, limits: { maxRequestBytes: 2 * 1024 * 1024 }, triage: { decisionWaitMs: 50 } });
});
afterAll(async () => {
  await receiver.close();
});

const rpcStatus = protobuf.Root.fromJSON({ nested: { S: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } } } }).lookupType('S');
const exportResponse = protobuf.Root.fromJSON({
  nested: {
    R: { fields: { partialSuccess: { type: 'P', id: 1 } } },
    P: { fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
  },
}).lookupType('R');

const JSON_TYPE = 'application/json';
const PROTO_TYPE = 'application/x-protobuf';

/**
 * Sends a body and checks the invariants every answer must keep: no 5xx, no
 * dropped connection, 400s with a message naming the problem. Returns the
 * spans the gateway accepted from it.
 */
async function send(body: Uint8Array | string, contentType: string, spansInBody: number | undefined): Promise<number> {
  let res: Response;
  try {
    res = await fetch(`${gateway.url}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType }, body });
  } catch (error) {
    throw new Error(`connection dropped: ${String(error)}`, { cause: error });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(res.status, 'never a 5xx for a client error').toBeLessThan(500);
  expect([200, 400, 413]).toContain(res.status);
  const proto = contentType === PROTO_TYPE;
  if (res.status !== 200) {
    const message = proto ? (rpcStatus.toObject(rpcStatus.decode(bytes)) as { message?: string }).message : (JSON.parse(new TextDecoder().decode(bytes)) as { message?: string }).message;
    // Names what is wrong: the encoding, a field path, or the limit.
    expect(message).toMatch(/invalid (JSON|protobuf) body|request|resourceSpans\.\d|exceeds the limit/);
    return 0;
  }
  const answer = proto
    ? (exportResponse.toObject(exportResponse.decode(bytes), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number } })
    : (JSON.parse(new TextDecoder().decode(bytes)) as { partialSuccess?: { rejectedSpans?: string } });
  const rejected = Number(answer.partialSuccess?.rejectedSpans ?? 0);
  if (spansInBody === undefined) return -1;
  sentInRequests += spansInBody - rejected;
  return spansInBody - rejected;
}

const turn = () => recordSpans(tracer => runTurn(tracer, HEALTHY_TURN));
const validJson = (): string => toOtlpJson(turn());
const validProto = (): Uint8Array => present(ProtobufTraceSerializer.serializeRequest(turn()), 'protobuf');

/** A byte mutation: cut short, bits flipped, or bytes inserted. */
const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function mutate(bytes: Uint8Array, m: typeof byteMutation extends fc.Arbitrary<infer T> ? T : never): Uint8Array {
  const out = new Uint8Array(bytes);
  switch (m.kind) {
    case 'truncate':
      return out.slice(0, Math.floor(m.at * out.length));
    case 'flip':
      for (const [at, bit] of m.at) {
        const i = Math.floor(at * out.length);
        out[i] = (out[i] ?? 0) ^ (1 << bit);
      }
      return out;
    case 'insert': {
      const i = Math.floor(m.at * out.length);
      return new Uint8Array([...out.slice(0, i), ...m.bytes, ...out.slice(i)]);
    }
  }
}

type Json = Record<string, unknown>;
const spansOf = (request: Json): Json[] =>
  ((request['resourceSpans'] as Json[])[0]?.['scopeSpans'] as Json[] | undefined)?.[0]?.['spans'] as Json[];

/** Structural mutations of a valid OTLP/JSON request that keep it parseable JSON. */
const structural = fc.oneof(
  // A field of a span replaced by a value of a wrong (random) type.
  fc.record({ kind: fc.constant('wrongType' as const), field: fc.constantFrom('traceId', 'spanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'status', 'events', 'parentSpanId'), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('deepNesting' as const), depth: fc.integer({ min: 50, max: 3000 }) }),
  fc.record({ kind: fc.constant('hugeString' as const), size: fc.integer({ min: 10_000, max: 1_500_000 }) }),
  fc.record({ kind: fc.constant('duplicateIds' as const) }),
  fc.record({ kind: fc.constant('missingParent' as const), parent: fc.stringMatching(/^[0-9a-f]{16}$/) }),
  fc.record({ kind: fc.constant('endBeforeStart' as const), by: fc.bigInt({ min: 1n, max: 10n ** 18n }) }),
  fc.record({ kind: fc.constant('randomJson' as const), value: fc.jsonValue({ maxDepth: 4 }) }),
);

const DEEP = '__deep__';

function serialize(request: Json, m: typeof structural extends fc.Arbitrary<infer T> ? T : never): string {
  const text = JSON.stringify(request);
  if (m.kind !== 'deepNesting') return text;
  const nested = '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(m.depth) + '{"stringValue":"leaf"}' + '}]}}'.repeat(m.depth);
  return text.replace(`{"stringValue":"${DEEP}"}`, nested);
}

function applyStructural(request: Json, m: typeof structural extends fc.Arbitrary<infer T> ? T : never): Json {
  const spans = spansOf(request);
  const first = present(spans[0], 'span');
  switch (m.kind) {
    case 'wrongType':
      first[m.field] = m.value;
      break;
    case 'deepNesting':
      // Spliced in as text by `serialize`: too deep for JSON.stringify's own stack.
      (first['attributes'] as Json[]).push({ key: 'deep', value: { stringValue: DEEP } });
      break;
    case 'hugeString':
      (first['attributes'] as Json[]).push({ key: 'huge', value: { stringValue: 'x'.repeat(m.size) } });
      break;
    case 'duplicateIds':
      spans.push({ ...first });
      break;
    case 'missingParent':
      first['parentSpanId'] = m.parent;
      break;
    case 'endBeforeStart':
      first['endTimeUnixNano'] = String(BigInt(String(first['startTimeUnixNano'])) - m.by);
      break;
    case 'randomJson':
      return { resourceSpans: m.value };
  }
  return request;
}

describe('gateway fuzzing (live, over HTTP)', { timeout: 120_000 }, () => {
  it('answers random bodies with 200 or a 400 that names the problem, over JSON and protobuf', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, proto) => {
        await send(proto ? bytes : new TextDecoder().decode(bytes), proto ? PROTO_TYPE : JSON_TYPE, undefined);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('survives truncated, bit-flipped and spliced valid requests', async () => {
    await fc.assert(
      fc.asyncProperty(byteMutation, fc.boolean(), async (m, proto) => {
        const body = proto ? validProto() : new TextEncoder().encode(validJson());
        await send(mutate(body, m), proto ? PROTO_TYPE : JSON_TYPE, undefined);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('takes wrong types, deep nesting, huge strings, duplicate ids, missing parents and end before start in its stride', async () => {
    await fc.assert(
      fc.asyncProperty(structural, async m => {
        const request = applyStructural(JSON.parse(validJson()) as Json, m);
        const spans = m.kind === 'randomJson' ? undefined : spansOf(request).length;
        await send(serialize(request, m), JSON_TYPE, spans);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('forwarded every accepted span exactly once, and stayed up', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    accepted = gateway.metrics.received.get(['json']) + gateway.metrics.received.get(['protobuf']);
    await gateway.shutdown();
    const forwarded = receivedSpans(receiver.requests);
    expect(forwarded).toHaveLength(accepted);
    // The structured requests' accepted spans are all counted in what was forwarded.
    expect(sentInRequests).toBeLessThanOrEqual(accepted);
    expect(accepted).toBeGreaterThan(0);
  });
});
