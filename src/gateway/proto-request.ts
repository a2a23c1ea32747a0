import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, AttributeValue, HrTime, Link } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { FORWARD } from './forward-item.js';
import type { ForwardSource, ScopeGroup } from './forward-item.js';
import { otlpTypes } from './otlp-proto.js';

/**
 * OTLP/protobuf requests straight into the triage pipeline: the envelope is
 * walked with the protobuf reader so each span keeps the exact bytes it came
 * in (forwarded as they are unless triage writes on the span), and each span
 * is decoded once into the `ReadableSpan` the processor reads. No
 * intermediate JSON shape, no schema pass: the wire types are already fixed,
 * what is left to check (id lengths, enum ranges) is checked here.
 */

/** A protobufjs `Long` or, without the long package, a number. */
type Int64 = number | { low: number; high: number; toNumber(): number };

interface AnyValueMessage {
  value?: string;
  stringValue: string;
  boolValue: boolean;
  intValue: Int64;
  doubleValue: number;
  bytesValue: Uint8Array;
  arrayValue?: { values: AnyValueMessage[] };
  kvlistValue?: { values: KeyValueMessage[] };
}
interface KeyValueMessage {
  key: string;
  value?: AnyValueMessage;
}
interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: KeyValueMessage[];
  droppedAttributesCount: number;
  events: { timeUnixNano: Int64; name: string; attributes: KeyValueMessage[]; droppedAttributesCount: number }[];
  droppedEventsCount: number;
  links: { traceId: Uint8Array; spanId: Uint8Array; flags: number; attributes: KeyValueMessage[]; droppedAttributesCount: number }[];
  droppedLinksCount: number;
  status?: { code: number; message: string };
}

/** A received span: what triage reads, and (under {@link FORWARD}) how to forward it. */
export type ReceivedSpan = ReadableSpan & { readonly [FORWARD]: ForwardSource };

export interface ProtoRequest {
  readonly spans: ReceivedSpan[];
  /** Spans in the request, valid or not. */
  total: number;
  /** Up to three messages naming rejected spans. */
  readonly errors: string[];
  rejected: number;
}

const TRACE_FLAGS_MASK = 0xff;
const HAS_IS_REMOTE_MASK = 0x100;
const IS_REMOTE_MASK = 0x200;
const OTLP_KINDS: readonly SpanKind[] = [SpanKind.INTERNAL, SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
const STATUS_CODES: readonly SpanStatusCode[] = [SpanStatusCode.UNSET, SpanStatusCode.OK, SpanStatusCode.ERROR];
const MAX_ERRORS_REPORTED = 3;
const WIRE_LEN = 2;

/**
 * Decodes an ExportTraceServiceRequest. Spans that break the protocol's rules
 * are counted in `rejected` (with up to three messages naming them); the rest
 * are returned in request order.
 * @throws Error when the bytes are not a protobuf message of that shape (truncated, wrong wire types).
 */
export function decodeProtoRequest(body: Uint8Array): ProtoRequest {
  const reader = protobuf.Reader.create(body);
  const out: ProtoRequest = { spans: [], total: 0, errors: [], rejected: 0 };
  let r = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) readResourceSpans(reader, reader.uint32() + reader.pos, body, r++, out);
    else reader.skipType(tag & 7);
  }
  return out;
}

function readResourceSpans(reader: protobuf.Reader, end: number, body: Uint8Array, r: number, out: ProtoRequest): void {
  const { first: resourceBytes, seconds: scopeRanges, schemaUrl } = envelopeFields(reader, end, body);
  const resourceMessage = resourceBytes && (otlpTypes.resource.decode(resourceBytes) as unknown as { attributes: KeyValueMessage[] });
  const resource = resourceFromAttributes(toAttributes(resourceMessage?.attributes));
  const resourceGroup = { bytes: resourceBytes, schemaUrl };
  scopeRanges.forEach(([start, scopeEnd], s) => {
    const scopeReader = protobuf.Reader.create(body);
    scopeReader.pos = start;
    readScopeSpans(scopeReader, scopeEnd, body, resource, resourceGroup, `resourceSpans.${r}.scopeSpans.${s}`, out);
  });
  reader.pos = end;
}

function readScopeSpans(
  reader: protobuf.Reader,
  end: number,
  body: Uint8Array,
  resource: ReadableSpan['resource'],
  resourceGroup: ScopeGroup['resource'],
  path: string,
  out: ProtoRequest,
): void {
  const { first: scopeBytes, seconds: spanRanges, schemaUrl } = envelopeFields(reader, end, body);
  const scopeMessage = scopeBytes && (otlpTypes.scope.decode(scopeBytes) as unknown as { name: string; version: string });
  const scope = {
    name: scopeMessage?.name ?? '',
    ...(scopeMessage?.version ? { version: scopeMessage.version } : {}),
    ...(schemaUrl !== '' && { schemaUrl }),
  };
  const group: ScopeGroup = { resource: resourceGroup, scopeBytes, schemaUrl };
  spanRanges.forEach(([start, spanEnd], i) => {
    out.total++;
    const bytes = body.subarray(start, spanEnd);
    const message = otlpTypes.span.decode(bytes) as unknown as SpanMessage;
    const problem = problemOf(message);
    if (problem !== undefined) {
      out.rejected++;
      if (out.errors.length < MAX_ERRORS_REPORTED) out.errors.push(`request: ${path}.spans.${i}.${problem}`);
      return;
    }
    out.spans.push(receivedSpan(message, resource, scope, bytes, group));
  });
}

/**
 * `ResourceSpans` and `ScopeSpans` have the same layout: field 1 a message
 * (resource or scope), field 2 repeated messages (scope spans or spans),
 * field 3 the schema URL. Reads up to `end`, keeping fields 1 and 2 as byte
 * ranges of the body.
 */
function envelopeFields(reader: protobuf.Reader, end: number, body: Uint8Array): { first: Uint8Array | undefined; seconds: [number, number][]; schemaUrl: string } {
  let first: Uint8Array | undefined;
  let schemaUrl = '';
  const seconds: [number, number][] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || field < 1 || field > 3) {
      reader.skipType(tag & 7);
      continue;
    }
    const length = reader.uint32();
    const start = reader.pos;
    reader.skip(length);
    if (field === 1) first = body.subarray(start, start + length);
    else if (field === 2) seconds.push([start, start + length]);
    else schemaUrl = Buffer.from(body.buffer, body.byteOffset + start, length).toString('utf8');
  }
  if (reader.pos !== end) throw new Error(`index out of range: ${reader.pos} + 0 > ${end}`);
  return { first, seconds, schemaUrl };
}

/** What makes a span unusable, as `field: reason`; undefined when it is fine. */
function problemOf(span: SpanMessage): string | undefined {
  if (span.traceId.length !== 16) return 'traceId: traceId must be 32 hex characters';
  if (span.spanId.length !== 8) return 'spanId: spanId must be 16 hex characters';
  if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8) return 'parentSpanId: parentSpanId must be 16 hex characters';
  if (span.kind < 0 || span.kind > 5) return 'kind: kind must be 0 to 5';
  const code = span.status?.code ?? 0;
  if (code < 0 || code > 2) return 'status.code: status code must be 0 to 2';
  for (const [l, link] of span.links.entries()) {
    if (link.traceId.length !== 16) return `links.${l}.traceId: links.traceId must be 32 hex characters`;
    if (link.spanId.length !== 8) return `links.${l}.spanId: links.spanId must be 16 hex characters`;
  }
  return undefined;
}

function receivedSpan(
  span: SpanMessage,
  resource: ReadableSpan['resource'],
  scope: ReadableSpan['instrumentationScope'],
  bytes: Uint8Array,
  group: ScopeGroup,
): ReceivedSpan {
  const attributes = toAttributes(span.attributes);
  const traceId = hex(span.traceId);
  const flags = span.flags;
  const context = { traceId, spanId: hex(span.spanId), traceFlags: flags & TRACE_FLAGS_MASK, isRemote: false };
  const startTime = toHrTime(span.startTimeUnixNano);
  const endTime = toHrTime(span.endTimeUnixNano);
  const events: TimedEvent[] =
    span.events.length === 0
      ? []
      : span.events.map(event => ({
          name: event.name,
          time: toHrTime(event.timeUnixNano),
          attributes: toAttributes(event.attributes),
          droppedAttributesCount: event.droppedAttributesCount,
        }));
  const links: Link[] =
    span.links.length === 0
      ? []
      : span.links.map(link => ({
          context: { traceId: hex(link.traceId), spanId: hex(link.spanId), traceFlags: link.flags & TRACE_FLAGS_MASK },
          attributes: toAttributes(link.attributes),
          droppedAttributesCount: link.droppedAttributesCount,
        }));
  const status = span.status;
  return {
    name: span.name,
    kind: OTLP_KINDS[span.kind] ?? SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext:
      span.parentSpanId.length === 0
        ? undefined
        : { traceId, spanId: hex(span.parentSpanId), traceFlags: flags & TRACE_FLAGS_MASK, isRemote: (flags & HAS_IS_REMOTE_MASK) !== 0 && (flags & IS_REMOTE_MASK) !== 0 },
    startTime,
    endTime,
    duration: durationOf(startTime, endTime),
    status: status ? { code: STATUS_CODES[status.code] ?? SpanStatusCode.UNSET, ...(status.message !== '' && { message: status.message }) } : { code: SpanStatusCode.UNSET },
    attributes,
    links,
    events,
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
    [FORWARD]: { bytes, group, attributes },
  };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Unsigned 64-bit nanoseconds to `[seconds, nanos]`, exactly, without BigInt:
 * the remainder mod 1e9 is summed from parts small enough for a double
 * (2^48 ≡ 976710656 and 2^32 ≡ 294967296 mod 1e9), then the seconds are the
 * rounded quotient of a multiple of 1e9.
 */
export function toHrTime(value: Int64): HrTime {
  if (typeof value === 'number') return [Math.floor(value / 1e9), value % 1e9];
  const hi = value.high >>> 0;
  const lo = value.low >>> 0;
  const nanos = ((hi >>> 16) * 976_710_656 + (hi & 0xffff) * 294_967_296 + lo) % 1e9;
  return [Math.round((hi * 4_294_967_296 + lo - nanos) / 1e9), nanos];
}

function durationOf(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds--;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}

function toAttributes(list: readonly KeyValueMessage[] | undefined): Attributes {
  const attributes: Attributes = {};
  if (list === undefined) return attributes;
  for (const { key, value } of list) {
    const converted = value === undefined ? undefined : toAttributeValue(value);
    if (converted !== undefined) attributes[key] = converted;
  }
  return attributes;
}

/**
 * OTel JS attributes hold scalars and homogeneous scalar arrays only; maps
 * (and mixed arrays) become their JSON text, bytes their base64. The span is
 * forwarded from its own bytes, so nothing is lost by this.
 */
function toAttributeValue(value: AnyValueMessage): AttributeValue | undefined {
  const scalar = toScalar(value);
  if (scalar !== undefined) return scalar;
  if (value.value === 'arrayValue') {
    const values = value.arrayValue?.values ?? [];
    const items = values.map(toScalar);
    if (items.every(item => typeof item === 'string')) return items;
    if (items.every(item => typeof item === 'number')) return items;
    if (items.every(item => typeof item === 'boolean')) return items;
    return JSON.stringify(values.map(toPlain));
  }
  if (value.value === 'kvlistValue') return JSON.stringify(toPlain(value));
  return undefined;
}

function toScalar(value: AnyValueMessage): string | number | boolean | undefined {
  switch (value.value) {
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'intValue':
      return typeof value.intValue === 'number' ? value.intValue : value.intValue.toNumber();
    case 'doubleValue':
      return value.doubleValue;
    case 'bytesValue':
      return Buffer.from(value.bytesValue).toString('base64');
    default:
      return undefined;
  }
}

function toPlain(value: AnyValueMessage): unknown {
  const scalar = toScalar(value);
  if (scalar !== undefined) return scalar;
  if (value.value === 'arrayValue') return (value.arrayValue?.values ?? []).map(toPlain);
  if (value.value === 'kvlistValue') {
    return Object.fromEntries((value.kvlistValue?.values ?? []).map(kv => [kv.key, kv.value === undefined ? null : toPlain(kv.value)]));
  }
  return null;
}
