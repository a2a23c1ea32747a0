import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { enrichSpan, writtenOn } from '../emit/span-enrichment.js';
import type { Written } from '../emit/span-enrichment.js';
import { forwardSourceOf } from './forward-item.js';
import type { ScopeGroup } from './forward-item.js';
import { otlpTypes } from './otlp-proto.js';

// Field tags (number << 3 | wire type 2, length-delimited) of the envelope and of a span's repeated fields.
const TAG_RESOURCE_SPANS = 10; // ExportTraceServiceRequest.resource_spans = 1
const TAG_RESOURCE = 10; // ResourceSpans.resource = 1
const TAG_SCOPE_SPANS = 18; // ResourceSpans.scope_spans = 2
const TAG_SCHEMA_URL = 26; // ResourceSpans.schema_url = 3, ScopeSpans.schema_url = 3
const TAG_SCOPE = 10; // ScopeSpans.scope = 1
const TAG_SPAN = 18; // ScopeSpans.spans = 2
const TAG_SPAN_ATTRIBUTE = 74; // Span.attributes = 9
const TAG_SPAN_EVENT = 90; // Span.events = 11

/**
 * One ExportTraceServiceRequest for a batch of forwarded spans. A span
 * received as protobuf goes out as the bytes it came in, grouped under its
 * original resource and scope bytes; what triage wrote on it is appended as
 * more `attributes` and `events` fields (protobuf merges repeated fields).
 * Spans from OTLP/JSON (or anywhere else) are serialized by the SDK's
 * serializer; two requests concatenated are one request with both groups.
 */
export function encodeForwardRequest(spans: readonly ReadableSpan[]): Uint8Array {
  const groups = new Map<ScopeGroup['resource'], Map<ScopeGroup, Uint8Array[]>>();
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
    if (!scopes) groups.set(source.group.resource, (scopes = new Map<ScopeGroup, Uint8Array[]>()));
    let list = scopes.get(source.group);
    if (!list) scopes.set(source.group, (list = []));
    list.push(written ? withWritten(source.bytes, source.attributes, written) : source.bytes);
  }
  const writer = protobuf.Writer.create();
  for (const [resource, scopes] of groups) {
    writer.uint32(TAG_RESOURCE_SPANS).fork();
    if (resource.bytes) writer.uint32(TAG_RESOURCE).bytes(resource.bytes);
    for (const [group, list] of scopes) {
      writer.uint32(TAG_SCOPE_SPANS).fork();
      if (group.scopeBytes) writer.uint32(TAG_SCOPE).bytes(group.scopeBytes);
      for (const bytes of list) writer.uint32(TAG_SPAN).bytes(bytes);
      if (group.schemaUrl !== '') writer.uint32(TAG_SCHEMA_URL).string(group.schemaUrl);
      writer.ldelim();
    }
    if (resource.schemaUrl !== '') writer.uint32(TAG_SCHEMA_URL).string(resource.schemaUrl);
    writer.ldelim();
  }
  const own = writer.finish();
  const serialized = others.length === 0 ? undefined : ProtobufTraceSerializer.serializeRequest(others);
  return serialized === undefined ? own : Buffer.concat([own, serialized]);
}

/**
 * The span's bytes plus what triage wrote. Appending is exact while every
 * written key is new to the span; a key it already had (a span that went
 * through triage before) would then appear twice, so such a span is decoded
 * and encoded again with the old value replaced.
 */
function withWritten(bytes: Uint8Array, original: Attributes, written: Written): Uint8Array {
  const keys = Object.keys(written.attributes);
  if (keys.some(key => key in original)) return reencoded(bytes, written);
  const writer = protobuf.Writer.create();
  for (const key of keys) otlpTypes.keyValue.encode(keyValue(key, written.attributes[key]), writer.uint32(TAG_SPAN_ATTRIBUTE).fork()).ldelim();
  for (const event of written.events) otlpTypes.event.encode(eventMessage(event), writer.uint32(TAG_SPAN_EVENT).fork()).ldelim();
  return Buffer.concat([bytes, writer.finish()]);
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
