import type { AttributeValue, HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { enrichSpan, writtenOn } from '../emit/span-enrichment.js';
import type { Written } from '../emit/span-enrichment.js';
import { forwardSourceOf } from './forward-item.js';
import type { ScopeGroup } from './forward-item.js';
import { otlpTypes } from './otlp-proto.js';

// Field tags (number << 3 | wire type) of the envelope, of a span's repeated fields and of what is appended to a span.
const TAG_RESOURCE_SPANS = 10; // ExportTraceServiceRequest.resource_spans = 1
const TAG_RESOURCE = 10; // ResourceSpans.resource = 1
const TAG_SCOPE_SPANS = 18; // ResourceSpans.scope_spans = 2
const TAG_SCHEMA_URL = 26; // ResourceSpans.schema_url = 3, ScopeSpans.schema_url = 3
const TAG_SCOPE = 10; // ScopeSpans.scope = 1
const TAG_SPAN = 18; // ScopeSpans.spans = 2
const TAG_SPAN_ATTRIBUTE = 74; // Span.attributes = 9
const TAG_SPAN_EVENT = 90; // Span.events = 11

/** A forwarded span's bytes: `body[start, end)`; what triage wrote, when there is some, follows them (see `SpanList.extras`). */
interface Piece {
  readonly body: Buffer;
  readonly start: number;
  readonly end: number;
}

interface SpanList {
  readonly pieces: Piece[];
  /** Same index as `pieces`; only spans triage wrote on have one. */
  readonly extras: (Uint8Array | undefined)[];
}

/**
 * One ExportTraceServiceRequest for a batch of forwarded spans. A span
 * received as protobuf goes out as the bytes it came in, grouped under its
 * original resource and scope bytes; what triage wrote on it is appended as
 * more `attributes` and `events` fields (protobuf merges repeated fields).
 * Spans from OTLP/JSON (or anywhere else) are serialized by the SDK's
 * serializer; two requests concatenated are one request with both groups.
 * Sizes are summed first, then everything is copied once into one buffer.
 */
export function encodeForwardRequest(spans: readonly ReadableSpan[]): Uint8Array {
  const groups = new Map<ScopeGroup['resource'], Map<ScopeGroup, SpanList>>();
  const others: ReadableSpan[] = [];
  for (const span of spans) {
    const source = forwardSourceOf(span);
    if (source === undefined) {
      others.push(span);
      continue;
    }
    const written = writtenOn(span);
    if ('readable' in source) {
      others.push(written ? enrichSpan(source.readable, written.events, written.attributes) : source.readable);
      continue;
    }
    let scopes = groups.get(source.group.resource);
    if (!scopes) groups.set(source.group.resource, (scopes = new Map<ScopeGroup, SpanList>()));
    let list = scopes.get(source.group);
    if (!list) scopes.set(source.group, (list = { pieces: [], extras: [] }));
    if (written === undefined) {
      list.pieces.push(source);
      list.extras.push(undefined);
    } else if (Object.keys(written.attributes).some(key => key in source.attributes)) {
      // Appending is exact while every written key is new to the span; a key it already had (a span that went
      // through triage before) would then appear twice, so such a span is decoded and encoded again.
      const encoded = reencoded(source.body.subarray(source.start, source.end), written);
      const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
      list.pieces.push({ body: bytes, start: 0, end: bytes.length });
      list.extras.push(undefined);
    } else {
      list.pieces.push(source);
      list.extras.push(appended(written));
    }
  }
  const serialized = others.length === 0 ? undefined : ProtobufTraceSerializer.serializeRequest(others);

  // Pass 1: the length of every ScopeSpans and ResourceSpans message.
  const scopeLengths: number[] = [];
  const resourceLengths: number[] = [];
  let total = serialized?.length ?? 0;
  for (const [resource, scopes] of groups) {
    let resourceLength = resource.bytes ? field(resource.bytes.length) : 0;
    for (const [group, list] of scopes) {
      let scopeLength = group.scopeBytes ? field(group.scopeBytes.length) : 0;
      for (let i = 0; i < list.pieces.length; i++) {
        const piece = list.pieces[i] as Piece;
        scopeLength += field(piece.end - piece.start + (list.extras[i]?.length ?? 0));
      }
      if (group.schemaUrl !== '') scopeLength += field(Buffer.byteLength(group.schemaUrl));
      scopeLengths.push(scopeLength);
      resourceLength += field(scopeLength);
    }
    if (resource.schemaUrl !== '') resourceLength += field(Buffer.byteLength(resource.schemaUrl));
    resourceLengths.push(resourceLength);
    total += field(resourceLength);
  }

  // Pass 2: write.
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  let r = 0;
  let s = 0;
  for (const [resource, scopes] of groups) {
    pos = writeHead(out, pos, TAG_RESOURCE_SPANS, resourceLengths[r++] as number);
    if (resource.bytes) pos = writeBytes(out, writeHead(out, pos, TAG_RESOURCE, resource.bytes.length), resource.bytes);
    for (const [group, list] of scopes) {
      pos = writeHead(out, pos, TAG_SCOPE_SPANS, scopeLengths[s++] as number);
      if (group.scopeBytes) pos = writeBytes(out, writeHead(out, pos, TAG_SCOPE, group.scopeBytes.length), group.scopeBytes);
      for (let i = 0; i < list.pieces.length; i++) {
        const piece = list.pieces[i] as Piece;
        const extra = list.extras[i];
        pos = writeHead(out, pos, TAG_SPAN, piece.end - piece.start + (extra?.length ?? 0));
        pos += piece.body.copy(out, pos, piece.start, piece.end);
        if (extra) pos = writeBytes(out, pos, extra);
      }
      if (group.schemaUrl !== '') pos = writeSchemaUrl(out, pos, group.schemaUrl);
    }
    if (resource.schemaUrl !== '') pos = writeSchemaUrl(out, pos, resource.schemaUrl);
  }
  if (serialized) out.set(serialized, pos);
  return out;
}

/** Bytes of a length-delimited field with a one-byte tag and `length` bytes of content. */
function field(length: number): number {
  return 1 + varintSize(length) + length;
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value >>> 7; v !== 0; v >>>= 7) size++;
  return size;
}

function writeHead(out: Buffer, pos: number, tag: number, length: number): number {
  out[pos++] = tag;
  let v = length >>> 0;
  while (v > 127) {
    out[pos++] = (v & 127) | 128;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

function writeBytes(out: Buffer, pos: number, bytes: Uint8Array): number {
  out.set(bytes, pos);
  return pos + bytes.length;
}

/** A `schema_url` field (ResourceSpans and ScopeSpans both number it 3). */
function writeSchemaUrl(out: Buffer, pos: number, text: string): number {
  const length = Buffer.byteLength(text);
  const at = writeHead(out, pos, TAG_SCHEMA_URL, length);
  return at + out.write(text, at, 'utf8');
}

/** What triage wrote, as more `attributes` and `events` fields of a span (every written key is new to it). */
function appended(written: Written): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const key in written.attributes) {
    otlpTypes.keyValue.encode(keyValue(key, written.attributes[key]), writer.uint32(TAG_SPAN_ATTRIBUTE).fork()).ldelim();
  }
  for (const event of written.events) otlpTypes.event.encode(eventMessage(event), writer.uint32(TAG_SPAN_EVENT).fork()).ldelim();
  return writer.finish();
}

function reencoded(bytes: Uint8Array, written: Written): Uint8Array {
  const span = otlpTypes.span.decode(bytes) as unknown as { attributes: { key: string }[]; events: unknown[] };
  const replaced = new Set(Object.keys(written.attributes));
  span.attributes = [...span.attributes.filter(kv => !replaced.has(kv.key)), ...Object.entries(written.attributes).map(([key, value]) => keyValue(key, value))];
  span.events = [...span.events, ...written.events.map(eventMessage)];
  return otlpTypes.span.encode(span).finish();
}

function keyValue(key: string, value: AttributeValue | undefined): { key: string; value: unknown } {
  return { key, value: anyValue(value) };
}

/** As the SDK's serializer does: integers as `intValue`, other numbers as `doubleValue`. */
function anyValue(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return {};
}

function eventMessage(event: TimedEvent): Record<string, unknown> {
  return {
    timeUnixNano: nanosText(event.time),
    name: event.name,
    attributes: Object.entries(event.attributes ?? {}).map(([key, value]) => keyValue(key, value)),
    droppedAttributesCount: event.droppedAttributesCount ?? 0,
  };
}

/** Nanoseconds as decimal text: exact beyond 2^53, which protobufjs reads into a fixed64. */
function nanosText([seconds, nanos]: HrTime): string {
  return seconds === 0 ? String(nanos) : `${seconds}${String(nanos).padStart(9, '0')}`;
}
