import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, HrTime, Link, SpanContext, SpanStatus } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { FORWARD } from './forward-item.js';
import type { ProtoForward, ScopeGroup } from './forward-item.js';
import { otlpTypes } from './otlp-proto.js';
import { BAD_ID, LEN, bufferReader, checkEnd, emptySpanFields, readResourceAttributes, readSpanFields } from './proto-span-reader.js';
import type { BufferReader, SpanFields } from './proto-span-reader.js';

/**
 * OTLP/protobuf requests straight into the triage pipeline: the envelope is
 * walked with the protobuf reader so each span keeps the exact bytes it came
 * in (forwarded as they are unless triage writes on the span), and each span
 * is decoded once into the `ReadableSpan` the processor reads. No
 * intermediate JSON shape, no schema pass: the wire types are already fixed,
 * what is left to check (id lengths, enum ranges) is checked here.
 */

export interface ProtoRequest {
  /** What triage reads; each carries (under `FORWARD`) how it is forwarded. */
  readonly spans: ReadableSpan[];
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

/**
 * Decodes an ExportTraceServiceRequest. Spans that break the protocol's rules
 * are counted in `rejected` (with up to three messages naming them); the rest
 * are returned in request order.
 * @throws Error when the bytes are not a protobuf message of that shape (truncated, wrong wire types).
 */
export function decodeProtoRequest(bytes: Uint8Array): ProtoRequest {
  // One reader over the whole body: spans, ids and strings are read in place.
  const reader = bufferReader(bytes);
  const body = reader.buf;
  const out: ProtoRequest = { spans: [], total: 0, errors: [], rejected: 0 };
  let r = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) readResourceSpans(reader, reader.uint32() + reader.pos, body, r++, out);
    else reader.skipType(tag & 7);
  }
  return out;
}

function readResourceSpans(reader: BufferReader, end: number, body: Buffer, r: number, out: ProtoRequest): void {
  const { first: resourceBytes, firstStart, seconds: scopeRanges, schemaUrl } = envelopeFields(reader, end, body);
  let attributes: Attributes = {};
  if (resourceBytes) {
    reader.pos = firstStart;
    attributes = readResourceAttributes(reader, firstStart + resourceBytes.length);
  }
  const resource = resourceFromAttributes(attributes);
  const resourceGroup = { bytes: resourceBytes, schemaUrl };
  for (let s = 0; s < scopeRanges.length; s++) {
    const [start, scopeEnd] = scopeRanges[s] as [number, number];
    reader.pos = start;
    readScopeSpans(reader, scopeEnd, body, resource, resourceGroup, r, s, out);
  }
  reader.pos = end;
}

function readScopeSpans(
  reader: BufferReader,
  end: number,
  body: Buffer,
  resource: ReadableSpan['resource'],
  resourceGroup: ScopeGroup['resource'],
  r: number,
  s: number,
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
  const fields = emptySpanFields();
  for (let i = 0; i < spanRanges.length; i++) {
    const [start, spanEnd] = spanRanges[i] as [number, number];
    out.total++;
    reader.pos = start;
    readSpanFields(reader, spanEnd, fields);
    const problem = problemOf(fields);
    if (problem !== undefined) {
      out.rejected++;
      if (out.errors.length < MAX_ERRORS_REPORTED) out.errors.push(`request: resourceSpans.${r}.scopeSpans.${s}.spans.${i}.${problem}`);
      continue;
    }
    out.spans.push(new ReceivedSpan(fields, resource, scope, { body, start, end: spanEnd, group }));
  }
}

/**
 * `ResourceSpans` and `ScopeSpans` have the same layout: field 1 a message
 * (resource or scope), field 2 repeated messages (scope spans or spans),
 * field 3 the schema URL. Reads up to `end`, keeping fields 1 and 2 as byte
 * ranges of the body.
 */
function envelopeFields(reader: BufferReader, end: number, body: Buffer): { first: Uint8Array | undefined; firstStart: number; seconds: [number, number][]; schemaUrl: string } {
  let first: Uint8Array | undefined;
  let firstStart = 0;
  let schemaUrl = '';
  const seconds: [number, number][] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if ((tag & 7) !== LEN || field < 1 || field > 3) {
      reader.skipType(tag & 7);
      continue;
    }
    const length = reader.uint32();
    const start = reader.pos;
    reader.skip(length);
    if (field === 1) {
      first = body.subarray(start, start + length);
      firstStart = start;
    }
    else if (field === 2) seconds.push([start, start + length]);
    else schemaUrl = body.toString('utf8', start, start + length);
  }
  checkEnd(reader, end);
  return { first, firstStart, seconds, schemaUrl };
}

/** What makes a span unusable, as `field: reason`; undefined when it is fine. */
function problemOf(span: SpanFields): string | undefined {
  if (span.traceId === BAD_ID) return 'traceId: traceId must be 32 hex characters';
  if (span.spanId === BAD_ID) return 'spanId: spanId must be 16 hex characters';
  if (span.parentSpanId === BAD_ID) return 'parentSpanId: parentSpanId must be 16 hex characters';
  if (span.kind < 0 || span.kind > 5) return 'kind: kind must be 0 to 5';
  if (span.statusCode < 0 || span.statusCode > 2) return 'status.code: status code must be 0 to 2';
  for (const [l, link] of span.links.entries()) {
    if (link.traceId === BAD_ID) return `links.${l}.traceId: links.traceId must be 32 hex characters`;
    if (link.spanId === BAD_ID) return `links.${l}.spanId: links.spanId must be 16 hex characters`;
  }
  return undefined;
}

/** The statuses without a message, shared by every span that has one of them (nothing writes on a status). */
const STATUSES: readonly SpanStatus[] = STATUS_CODES.map(code => ({ code }));
const NO_LINKS: readonly Link[] = [];

/**
 * A received span: what triage reads (a `ReadableSpan`, one object with a
 * fixed shape) and, under {@link FORWARD}, how it is forwarded: itself, as
 * the place of its bytes in the request body plus the attributes it came with.
 */
class ReceivedSpan implements ReadableSpan, ProtoForward {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: TimedEvent[];
  readonly ended = true;
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  readonly body: Buffer;
  readonly start: number;
  readonly end: number;
  readonly group: ScopeGroup;
  readonly [FORWARD]: ProtoForward;
  private readonly _context: SpanContext;

  constructor(
    span: SpanFields,
    resource: ReadableSpan['resource'],
    scope: ReadableSpan['instrumentationScope'],
    where: { body: Buffer; start: number; end: number; group: ScopeGroup },
  ) {
    const { traceId, flags, startTime, endTime } = span;
    this.name = span.name;
    this.kind = OTLP_KINDS[span.kind] ?? SpanKind.INTERNAL;
    this._context = { traceId, spanId: span.spanId, traceFlags: flags & TRACE_FLAGS_MASK, isRemote: false };
    this.parentSpanContext =
      span.parentSpanId === ''
        ? undefined
        : { traceId, spanId: span.parentSpanId, traceFlags: flags & TRACE_FLAGS_MASK, isRemote: (flags & HAS_IS_REMOTE_MASK) !== 0 && (flags & IS_REMOTE_MASK) !== 0 };
    this.startTime = startTime;
    this.endTime = endTime;
    this.duration = durationOf(startTime, endTime);
    const code = STATUS_CODES[span.statusCode] ?? SpanStatusCode.UNSET;
    this.status = span.statusMessage === '' ? (STATUSES[code] as SpanStatus) : { code, message: span.statusMessage };
    this.attributes = span.attributes;
    this.links = span.links.length === 0 ? (NO_LINKS as Link[]) : span.links.map(linkOf);
    this.events = span.events;
    this.resource = resource;
    this.instrumentationScope = scope;
    this.droppedAttributesCount = span.droppedAttributesCount;
    this.droppedEventsCount = span.droppedEventsCount;
    this.droppedLinksCount = span.droppedLinksCount;
    this.body = where.body;
    this.start = where.start;
    this.end = where.end;
    this.group = where.group;
    this[FORWARD] = this;
  }

  spanContext(): SpanContext {
    return this._context;
  }
}

function linkOf(link: SpanFields['links'][number]): Link {
  return {
    context: { traceId: link.traceId, spanId: link.spanId, traceFlags: link.flags & TRACE_FLAGS_MASK },
    attributes: link.attributes,
    droppedAttributesCount: link.droppedAttributesCount,
  };
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
