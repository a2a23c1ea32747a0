import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, HrTime, Link } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { FORWARD } from './forward-item.js';
import type { ForwardSource, ScopeGroup } from './forward-item.js';
import { otlpTypes } from './otlp-proto.js';
import { anyValueToAttribute, readSpan } from './proto-span-reader.js';
import type { AnyValueMessage, SpanFields } from './proto-span-reader.js';

/**
 * OTLP/protobuf requests straight into the triage pipeline: the envelope is
 * walked with the protobuf reader so each span keeps the exact bytes it came
 * in (forwarded as they are unless triage writes on the span), and each span
 * is decoded once into the `ReadableSpan` the processor reads. No
 * intermediate JSON shape, no schema pass: the wire types are already fixed,
 * what is left to check (id lengths, enum ranges) is checked here.
 */

interface KeyValueMessage {
  key: string;
  value?: AnyValueMessage;
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
    const message = readSpan(bytes);
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
function problemOf(span: SpanFields): string | undefined {
  if (span.traceId.length !== 16) return 'traceId: traceId must be 32 hex characters';
  if (span.spanId.length !== 8) return 'spanId: spanId must be 16 hex characters';
  if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8) return 'parentSpanId: parentSpanId must be 16 hex characters';
  if (span.kind < 0 || span.kind > 5) return 'kind: kind must be 0 to 5';
  if (span.statusCode < 0 || span.statusCode > 2) return 'status.code: status code must be 0 to 2';
  for (const [l, link] of span.links.entries()) {
    if (link.traceId.length !== 16) return `links.${l}.traceId: links.traceId must be 32 hex characters`;
    if (link.spanId.length !== 8) return `links.${l}.spanId: links.spanId must be 16 hex characters`;
  }
  return undefined;
}

function receivedSpan(
  span: SpanFields,
  resource: ReadableSpan['resource'],
  scope: ReadableSpan['instrumentationScope'],
  bytes: Uint8Array,
  group: ScopeGroup,
): ReceivedSpan {
  const { attributes, startTime, endTime, flags } = span;
  const traceId = hex(span.traceId);
  const context = { traceId, spanId: hex(span.spanId), traceFlags: flags & TRACE_FLAGS_MASK, isRemote: false };
  const events: TimedEvent[] =
    span.events.length === 0
      ? []
      : span.events.map(event => ({ name: event.name, time: event.time, attributes: event.attributes, droppedAttributesCount: event.droppedAttributesCount }));
  const links: Link[] =
    span.links.length === 0
      ? []
      : span.links.map(link => ({
          context: { traceId: hex(link.traceId), spanId: hex(link.spanId), traceFlags: link.flags & TRACE_FLAGS_MASK },
          attributes: link.attributes,
          droppedAttributesCount: link.droppedAttributesCount,
        }));
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
    status: { code: STATUS_CODES[span.statusCode] ?? SpanStatusCode.UNSET, ...(span.statusMessage !== '' && { message: span.statusMessage }) },
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

function durationOf(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds--;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}

/** Resource attributes, from the decoded Resource message. */
function toAttributes(list: readonly KeyValueMessage[] | undefined): Attributes {
  const attributes: Attributes = {};
  if (list === undefined) return attributes;
  for (const { key, value } of list) {
    const converted = value === undefined ? undefined : anyValueToAttribute(value);
    if (converted !== undefined) attributes[key] = converted;
  }
  return attributes;
}
