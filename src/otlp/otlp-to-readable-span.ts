import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, AttributeValue, HrTime, Link, SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { ExportTraceServiceRequest, OtlpAnyValue, OtlpKeyValue, OtlpSpan } from './otlp-json-schema.js';

/** W3C trace flags live in the low byte of OTLP `flags`; bits 8 and 9 say whether the parent is remote. */
const TRACE_FLAGS_MASK = 0xff;
const HAS_IS_REMOTE_MASK = 0x100;
const IS_REMOTE_MASK = 0x200;
/** OTLP kinds count from UNSPECIFIED = 0; the API's from INTERNAL = 0. */
const OTLP_KINDS: readonly SpanKind[] = [SpanKind.INTERNAL, SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
const STATUS_CODES: readonly SpanStatusCode[] = [SpanStatusCode.UNSET, SpanStatusCode.OK, SpanStatusCode.ERROR];

/**
 * Turns a validated OTLP request into `ReadableSpan`s, so decoded spans go
 * through the very same processor as in-process ones. Spans sharing a
 * resource share one `Resource` object.
 */
export function readableSpansFromRequest(request: ExportTraceServiceRequest): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = resourceFromAttributes(toAttributes(resourceSpans.resource?.attributes));
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = {
        name: scopeSpans.scope?.name ?? '',
        ...(scopeSpans.scope?.version !== undefined && { version: scopeSpans.scope.version }),
        ...(scopeSpans.schemaUrl !== undefined && { schemaUrl: scopeSpans.schemaUrl }),
      };
      for (const span of scopeSpans.spans ?? []) spans.push(toReadableSpan(span, resource, scope));
    }
  }
  return spans;
}

function toReadableSpan(span: OtlpSpan, resource: ReadableSpan['resource'], scope: ReadableSpan['instrumentationScope']): ReadableSpan {
  const traceId = span.traceId.toLowerCase();
  const flags = span.flags ?? 0;
  const context: SpanContext = { traceId, spanId: span.spanId.toLowerCase(), traceFlags: flags & TRACE_FLAGS_MASK, isRemote: false };
  const parentSpanContext: SpanContext | undefined =
    span.parentSpanId === undefined || span.parentSpanId === ''
      ? undefined
      : {
          traceId,
          spanId: span.parentSpanId.toLowerCase(),
          traceFlags: flags & TRACE_FLAGS_MASK,
          isRemote: (flags & HAS_IS_REMOTE_MASK) !== 0 && (flags & IS_REMOTE_MASK) !== 0,
        };
  const startNanos = toBigInt(span.startTimeUnixNano);
  const endNanos = toBigInt(span.endTimeUnixNano);
  const events: TimedEvent[] = (span.events ?? []).map(event => ({
    name: event.name,
    time: nanosToHrTime(toBigInt(event.timeUnixNano)),
    attributes: toAttributes(event.attributes),
    droppedAttributesCount: event.droppedAttributesCount ?? 0,
  }));
  const links: Link[] = (span.links ?? []).map(link => ({
    context: { traceId: link.traceId.toLowerCase(), spanId: link.spanId.toLowerCase(), traceFlags: (link.flags ?? 0) & TRACE_FLAGS_MASK },
    attributes: toAttributes(link.attributes),
    droppedAttributesCount: link.droppedAttributesCount ?? 0,
  }));
  return {
    name: span.name,
    kind: OTLP_KINDS[span.kind ?? 0] ?? SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext,
    startTime: nanosToHrTime(startNanos),
    endTime: nanosToHrTime(endNanos),
    duration: nanosToHrTime(endNanos > startNanos ? endNanos - startNanos : 0n),
    status: { code: STATUS_CODES[span.status?.code ?? 0] ?? SpanStatusCode.UNSET, ...(span.status?.message !== undefined && { message: span.status.message }) },
    attributes: toAttributes(span.attributes),
    links,
    events,
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: span.droppedAttributesCount ?? 0,
    droppedEventsCount: span.droppedEventsCount ?? 0,
    droppedLinksCount: span.droppedLinksCount ?? 0,
  };
}

export function toBigInt(value: string | number): bigint {
  return typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value);
}

export function nanosToHrTime(nanos: bigint): HrTime {
  const safe = nanos < 0n ? 0n : nanos;
  return [Number(safe / 1_000_000_000n), Number(safe % 1_000_000_000n)];
}

export function toAttributes(list: readonly OtlpKeyValue[] | undefined): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of list ?? []) {
    const converted = value === undefined ? undefined : toAttributeValue(value);
    if (converted !== undefined) setAttribute(attributes, key, converted);
  }
  return attributes;
}

/** Sets a received attribute; a key named `__proto__` is a key like any other, never the object's prototype. */
export function setAttribute(into: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  else into[key] = value;
}

/**
 * OTel JS attributes hold scalars and homogeneous scalar arrays only; maps
 * (and arrays of maps) become their JSON text, bytes stay base64.
 */
function toAttributeValue(value: OtlpAnyValue): AttributeValue | undefined {
  const scalar = toScalar(value);
  if (scalar !== undefined) return scalar;
  if (value.arrayValue !== undefined) {
    const items = (value.arrayValue.values ?? []).map(toScalar);
    const strings = items.filter(item => typeof item === 'string');
    if (strings.length === items.length) return strings;
    const numbers = items.filter(item => typeof item === 'number');
    if (numbers.length === items.length) return numbers;
    const booleans = items.filter(item => typeof item === 'boolean');
    if (booleans.length === items.length) return booleans;
    return JSON.stringify((value.arrayValue.values ?? []).map(toPlain));
  }
  if (value.kvlistValue !== undefined) return JSON.stringify(toPlain(value));
  return undefined;
}

function toScalar(value: OtlpAnyValue): string | number | boolean | undefined {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}

function toPlain(value: OtlpAnyValue): unknown {
  const scalar = toScalar(value);
  if (scalar !== undefined) return scalar;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(toPlain);
  if (value.kvlistValue !== undefined) {
    return Object.fromEntries((value.kvlistValue.values ?? []).map(kv => [kv.key, kv.value === undefined ? null : toPlain(kv.value)]));
  }
  return null;
}
