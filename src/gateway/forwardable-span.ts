import type { Attributes, Link, SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { OtlpAnyValue, OtlpKeyValue, OtlpResourceSpans, OtlpSpan } from '../otlp/otlp-json-schema.js';

type OtlpScopeSpans = NonNullable<OtlpResourceSpans['scopeSpans']>[number];

/**
 * The span as it will be forwarded. The triage input flattens maps and bytes
 * to strings (OTel JS attributes cannot hold them); this copy keeps them as
 * plain objects and `Uint8Array`s, which the OTLP serializer encodes back to
 * `kvlistValue` and `bytesValue`. It also keeps trace state and scope
 * attributes, which the triage input does not need.
 */
export function forwardableSpan(
  input: ReadableSpan,
  span: OtlpSpan,
  resource: ReadableSpan['resource'],
  scope: ReadableSpan['instrumentationScope'],
): ReadableSpan {
  const traceState = parseTraceState(span.traceState);
  const context: SpanContext = { ...input.spanContext(), ...(traceState && { traceState }) };
  const events: TimedEvent[] = input.events.map((event, i) => ({ ...event, attributes: losslessAttributes(span.events?.[i]?.attributes) }));
  const links: Link[] = input.links.map((link, i) => {
    const source = span.links?.[i];
    const linkState = parseTraceState(source?.traceState);
    return { ...link, context: { ...link.context, ...(linkState && { traceState: linkState }) }, attributes: losslessAttributes(source?.attributes) };
  });
  return Object.create(input, {
    spanContext: { value: () => context },
    attributes: { value: losslessAttributes(span.attributes), enumerable: true },
    events: { value: events, enumerable: true },
    links: { value: links, enumerable: true },
    resource: { value: resource, enumerable: true },
    instrumentationScope: { value: scope, enumerable: true },
  }) as ReadableSpan;
}

/** One forwarding resource per OTLP `ResourceSpans`, shared by its spans (the serializer groups by identity). */
export function forwardableResource(resourceSpans: Pick<OtlpResourceSpans, 'resource' | 'schemaUrl'>): ReadableSpan['resource'] {
  const attributes = losslessAttributes(resourceSpans.resource?.attributes);
  const resource = resourceFromAttributes(attributes, { ...(resourceSpans.schemaUrl !== undefined && { schemaUrl: resourceSpans.schemaUrl }) });
  // The Resource drops empty values; the serializer reads `attributes`, so keep them all there.
  return Object.create(resource, { attributes: { value: attributes, enumerable: true } }) as ReadableSpan['resource'];
}

export function forwardableScope(scopeSpans: Pick<OtlpScopeSpans, 'scope' | 'schemaUrl'>): ReadableSpan['instrumentationScope'] {
  const scope = scopeSpans.scope;
  return {
    name: scope?.name ?? '',
    ...(scope?.version !== undefined && { version: scope.version }),
    ...(scopeSpans.schemaUrl !== undefined && { schemaUrl: scopeSpans.schemaUrl }),
    // Read by the OTLP serializer although the 2.x scope type does not declare it.
    ...(scope?.attributes !== undefined && { attributes: losslessAttributes(scope.attributes), droppedAttributesCount: scope.droppedAttributesCount ?? 0 }),
  };
}

/**
 * OTLP attributes as the values the serializer turns back into the same
 * AnyValue: maps as objects, bytes as Uint8Array, mixed arrays as arrays,
 * an empty value as null. The `Attributes` type cannot say so, hence the cast.
 */
export function losslessAttributes(list: readonly OtlpKeyValue[] | undefined): Attributes {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = value === undefined ? null : losslessValue(value);
  return out as Attributes;
}

function losslessValue(value: OtlpAnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return new Uint8Array(Buffer.from(value.bytesValue, 'base64'));
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(losslessValue);
  if (value.kvlistValue !== undefined) {
    const map: Record<string, unknown> = {};
    for (const kv of value.kvlistValue.values ?? []) map[kv.key] = kv.value === undefined ? null : losslessValue(kv.value);
    return map;
  }
  return null;
}

function parseTraceState(text: string | undefined): TraceState | undefined {
  return text === undefined || text === '' ? undefined : new TraceState(text);
}
