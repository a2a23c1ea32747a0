import { SpanStatusCode } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_OTEL_STATUS_DESCRIPTION,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import { ATTR_CLOUD_REGION, EVENT_EXCEPTION } from '../semconv.js';
import type { ConventionAdapter } from './adapter.js';
import { adapterFor } from './adapters.js';
import { AttributeReader, DEFAULT_MAX_CONTENT_CHARS, DEFAULT_MAX_NAME_CHARS } from './attribute-reader.js';
import type { ContentDigestMemo } from './content-digest-memo.js';
import type { PlannedToolCall, SpanView } from './span-view.js';

const NO_PLANNED_CALLS: readonly PlannedToolCall[] = Object.freeze([]);

export function hrTimeToMs(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/** A view while it is being built: the adapter fills its convention fields in place. */
export type MutableSpanView = { -readonly [K in keyof SpanView]: SpanView[K] };

/**
 * Builds the convention-neutral view of a span in one object: the adapter
 * (the first of `adapters` that matches, or `adapter` when the caller already
 * knows it) fills the convention-specific fields, the rest is read here once.
 * Content attributes longer than `maxContentChars` are sampled or skimmed,
 * never parsed whole; status and exception messages are cut to that length.
 */
export function normalizeSpan(
  span: ReadableSpan,
  adapters: readonly ConventionAdapter[],
  maxContentChars: number = DEFAULT_MAX_CONTENT_CHARS,
): SpanView {
  return viewOf(span, adapterFor(span, adapters), maxContentChars);
}

/**
 * {@link normalizeSpan} with the span's adapter already known (or none), and
 * content digests remembered in `digests` (made for the same `maxContentChars`).
 */
export function viewOf(
  span: ReadableSpan,
  adapter: ConventionAdapter | undefined,
  maxContentChars: number,
  digests?: ContentDigestMemo,
  maxNameChars: number = DEFAULT_MAX_NAME_CHARS,
): MutableSpanView {
  const attrs = new AttributeReader(span.attributes, maxContentChars, digests, maxNameChars);
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const startMs = hrTimeToMs(span.startTime);
  const endMs = hrTimeToMs(span.endTime);
  const exception = span.events.length === 0 ? undefined : span.events.find(event => event.name === EVENT_EXCEPTION);
  const view: MutableSpanView = {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: parent?.spanId,
    isLocalRoot: parent === undefined || parent.isRemote === true,
    name: attrs.spanName(span.name, 'span.name'),
    convention: adapter?.id ?? 'none',
    role: 'other',
    startMs,
    endMs,
    durationMs: Math.max(0, endMs - startMs),
    serviceName: attrs.name(stringOrUndefined(span.resource.attributes[ATTR_SERVICE_NAME]), ATTR_SERVICE_NAME),
    agentName: undefined,
    agentVersion: undefined,
    conversationId: undefined,
    model: undefined,
    provider: undefined,
    temperature: undefined,
    maxTokens: undefined,
    region: attrs.name(stringOrUndefined(span.resource.attributes[ATTR_CLOUD_REGION]), ATTR_CLOUD_REGION),
    toolName: undefined,
    toolCallId: undefined,
    argsHash: undefined,
    resultHash: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
    status: statusOf(span.status.code),
    statusMessage: attrs.message(span.status.message, ATTR_OTEL_STATUS_DESCRIPTION),
    errorType: undefined,
    httpStatusCode: undefined,
    exceptionType: undefined,
    exceptionMessage: undefined,
    plannedToolCalls: NO_PLANNED_CALLS,
    finishReason: undefined,
    malformed: attrs.malformed,
    limited: attrs.limited,
    attributes: span.attributes,
    events: span.events,
  };
  adapter?.read(attrs, span, view);
  view.errorType = attrs.string(ATTR_ERROR_TYPE);
  view.httpStatusCode = attrs.count(ATTR_HTTP_RESPONSE_STATUS_CODE);
  if (exception) {
    const exceptionAttrs = new AttributeReader(exception.attributes ?? {}, maxContentChars, undefined, maxNameChars);
    view.exceptionType = exceptionAttrs.string(ATTR_EXCEPTION_TYPE) ?? 'exception';
    view.exceptionMessage = attrs.message(exceptionAttrs.text(ATTR_EXCEPTION_MESSAGE), ATTR_EXCEPTION_MESSAGE);
    // The event's attributes are the span's too, as far as counting goes.
    for (const key of exceptionAttrs.limited) attrs.markLimited(key);
    for (const key of exceptionAttrs.malformed) attrs.markMalformed(key);
  }
  view.malformed = attrs.malformed;
  view.limited = attrs.limited;
  return view;
}

function statusOf(code: SpanStatusCode): SpanView['status'] {
  if (code === SpanStatusCode.ERROR) return 'error';
  if (code === SpanStatusCode.OK) return 'ok';
  return 'unset';
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
