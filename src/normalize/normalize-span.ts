import { SpanStatusCode } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import { ATTR_CLOUD_REGION, EVENT_EXCEPTION } from '../semconv.js';
import type { ConventionAdapter, ConventionFields } from './adapter.js';
import { adapterFor } from './adapters.js';
import { AttributeReader } from './attribute-reader.js';
import type { SpanView } from './span-view.js';

const NO_CONVENTION: ConventionFields = { role: 'other' };

export function hrTimeToMs(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/**
 * Builds the convention-neutral view of a span: the first adapter that matches
 * supplies the convention-specific fields, the rest is read here once.
 */
export function normalizeSpan(span: ReadableSpan, adapters: readonly ConventionAdapter[]): SpanView {
  const attrs = new AttributeReader(span.attributes);
  const adapter = adapterFor(span, adapters);
  const fields = adapter ? adapter.read(attrs, span) : NO_CONVENTION;
  const context = span.spanContext();
  const parent = span.parentSpanContext;
  const exception = span.events.find(event => event.name === EVENT_EXCEPTION);
  const exceptionAttrs = new AttributeReader(exception?.attributes ?? {});
  const startMs = hrTimeToMs(span.startTime);
  const endMs = hrTimeToMs(span.endTime);
  const httpStatusCode = attrs.count(ATTR_HTTP_RESPONSE_STATUS_CODE);
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: parent?.spanId,
    isLocalRoot: parent === undefined || parent.isRemote === true,
    name: span.name,
    convention: adapter?.id ?? 'none',
    role: fields.role,
    startMs,
    endMs,
    durationMs: Math.max(0, endMs - startMs),
    serviceName: stringOrUndefined(span.resource.attributes[ATTR_SERVICE_NAME]),
    agentName: fields.agentName,
    agentVersion: fields.agentVersion,
    conversationId: fields.conversationId,
    model: fields.model,
    provider: fields.provider,
    temperature: fields.temperature,
    maxTokens: fields.maxTokens,
    region: stringOrUndefined(span.resource.attributes[ATTR_CLOUD_REGION]),
    toolName: fields.toolName,
    toolCallId: fields.toolCallId,
    argsHash: fields.argsHash,
    resultHash: fields.resultHash,
    inputTokens: fields.inputTokens,
    outputTokens: fields.outputTokens,
    status: statusOf(span.status.code),
    statusMessage: span.status.message === '' ? undefined : span.status.message,
    errorType: attrs.string(ATTR_ERROR_TYPE),
    httpStatusCode,
    exceptionType: exception ? (exceptionAttrs.string(ATTR_EXCEPTION_TYPE) ?? 'exception') : undefined,
    exceptionMessage: exceptionAttrs.string(ATTR_EXCEPTION_MESSAGE),
    plannedToolCalls: fields.plannedToolCalls ?? [],
    finishReason: fields.finishReason,
    malformed: attrs.malformed,
    attributes: span.attributes,
    events: span.events,
  };
}

function statusOf(code: SpanStatusCode): SpanView['status'] {
  if (code === SpanStatusCode.ERROR) return 'error';
  if (code === SpanStatusCode.OK) return 'ok';
  return 'unset';
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
