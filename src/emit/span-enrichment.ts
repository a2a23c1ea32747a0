import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { Finding } from '../engine/finding.js';
import {
  ATTR_TRIAGE_ACTION,
  ATTR_TRIAGE_CLASS,
  ATTR_TRIAGE_DETAIL_PREFIX,
  ATTR_TRIAGE_FAILURE_CLASSES,
  ATTR_TRIAGE_FAILURE_COUNT,
  ATTR_TRIAGE_FAILURE_SIGNALS,
  ATTR_TRIAGE_FINGERPRINT,
  ATTR_TRIAGE_REMEDIATION_DECISION,
  ATTR_TRIAGE_REMEDIATION_OWNER,
  ATTR_TRIAGE_REMEDIATION_SURFACE,
  ATTR_TRIAGE_ROUTE_DECISION,
  ATTR_TRIAGE_ROUTE_EVIDENCE,
  ATTR_TRIAGE_ROUTE_HANDOFF_TARGET,
  ATTR_TRIAGE_ROUTE_MAX_ATTEMPTS,
  ATTR_TRIAGE_ROUTE_REASON,
  ATTR_TRIAGE_ROUTE_RETRY_ATTEMPT,
  ATTR_TRIAGE_ROUTE_ROLLBACK_TRIGGER,
  ATTR_TRIAGE_ROUTE_STOPS_RUN,
  ATTR_TRIAGE_SECONDARY_CLASSES,
  ATTR_TRIAGE_SEVERITY,
  ATTR_TRIAGE_SIGNAL,
  ATTR_TRIAGE_SPAN_ID,
  ATTR_TRIAGE_TURN_INCOMPLETE,
  ATTR_TRIAGE_TURN_OUTCOME,
  EVENT_TRIAGE_FAILURE,
} from './attributes.js';

export function findingEvent(finding: Finding, time: HrTime, name: string = EVENT_TRIAGE_FAILURE): TimedEvent {
  const attributes: Attributes = {
    [ATTR_TRIAGE_SIGNAL]: finding.signal,
    [ATTR_TRIAGE_CLASS]: finding.class,
    [ATTR_TRIAGE_SEVERITY]: finding.severity,
    [ATTR_TRIAGE_ACTION]: finding.action,
    [ATTR_TRIAGE_REMEDIATION_SURFACE]: finding.remediation.surface,
    [ATTR_TRIAGE_REMEDIATION_OWNER]: finding.remediation.owner,
    [ATTR_TRIAGE_REMEDIATION_DECISION]: finding.remediation.decision,
    [ATTR_TRIAGE_FINGERPRINT]: finding.fingerprint,
    [ATTR_TRIAGE_SPAN_ID]: finding.spanId,
    ...routeAttributes(finding),
  };
  if (finding.secondaryClasses.length > 0) attributes[ATTR_TRIAGE_SECONDARY_CLASSES] = [...finding.secondaryClasses];
  for (const [key, value] of Object.entries(finding.details)) {
    attributes[ATTR_TRIAGE_DETAIL_PREFIX + key] = typeof value === 'object' ? [...value] : value;
  }
  return { name, time, attributes, droppedAttributesCount: 0 };
}

function routeAttributes({ route }: Finding): Attributes {
  return {
    [ATTR_TRIAGE_ROUTE_DECISION]: route.decision,
    [ATTR_TRIAGE_ROUTE_REASON]: route.reason,
    [ATTR_TRIAGE_ROUTE_STOPS_RUN]: route.stopsRun,
    [ATTR_TRIAGE_ROUTE_HANDOFF_TARGET]: route.handoffTarget,
    [ATTR_TRIAGE_ROUTE_EVIDENCE]: [...route.evidence],
    [ATTR_TRIAGE_ROUTE_ROLLBACK_TRIGGER]: route.rollbackTrigger,
    ...(route.retryAttempt !== undefined && { [ATTR_TRIAGE_ROUTE_RETRY_ATTEMPT]: route.retryAttempt }),
    ...(route.maxAttempts !== undefined && { [ATTR_TRIAGE_ROUTE_MAX_ATTEMPTS]: route.maxAttempts }),
  };
}

/** The summary written on every turn root, failed or not. */
export function turnSummaryAttributes(findings: readonly Finding[], incomplete: boolean): Attributes {
  const attributes: Attributes = { [ATTR_TRIAGE_TURN_OUTCOME]: findings.length > 0 ? 'failed' : 'ok' };
  if (findings.length > 0) {
    attributes[ATTR_TRIAGE_FAILURE_CLASSES] = sortedUnique(findings.map(f => f.class));
    attributes[ATTR_TRIAGE_FAILURE_SIGNALS] = sortedUnique(findings.map(f => f.signal));
    attributes[ATTR_TRIAGE_FAILURE_COUNT] = findings.length;
    attributes[ATTR_TRIAGE_SEVERITY] = findings.some(f => f.severity === 'hard') ? 'hard' : 'soft';
  }
  if (incomplete) attributes[ATTR_TRIAGE_TURN_INCOMPLETE] = true;
  return attributes;
}

function sortedUnique(values: readonly string[]): string {
  return [...new Set(values)].sort().join(',');
}

/** What enrichment wrote on a span copy, all of it since the original (the gateway forwards the original bytes plus this). */
export interface Written {
  readonly events: readonly TimedEvent[];
  readonly attributes: Attributes;
}

const WRITTEN = Symbol('agent-triage.written');

/** Everything {@link enrichSpan} wrote on this copy and the copies it was made from; undefined for an untouched span. */
export function writtenOn(span: ReadableSpan): Written | undefined {
  return (span as { [WRITTEN]?: Written })[WRITTEN];
}

/** The span an enriched copy was made from (the span itself when it is no copy): what a caller tagged on it lives there. */
export function originalOf(span: ReadableSpan): ReadableSpan {
  return span instanceof EnrichedSpan ? span.source : span;
}

/**
 * A copy of an ended span with extra events and attributes. The original is
 * never mutated (it is immutable after end); the copy reads everything else,
 * including `spanContext()`, from it. A class rather than `Object.create(span)`:
 * making every enriched span a prototype costs V8 a map transition per span
 * and leaves exporters reading objects of a different shape each time.
 */
export function enrichSpan(span: ReadableSpan, events: readonly TimedEvent[], attributes: Attributes = {}): ReadableSpan {
  const newAttributes = Object.keys(attributes).length > 0;
  if (events.length === 0 && !newAttributes) return span;
  const before = writtenOn(span);
  const written: Written = before
    ? { events: [...before.events, ...events], attributes: { ...before.attributes, ...attributes } }
    : { events, attributes };
  return new EnrichedSpan(
    originalOf(span),
    newAttributes ? { ...span.attributes, ...attributes } : span.attributes,
    events.length > 0 ? [...span.events, ...events] : span.events,
    written,
  );
}

class EnrichedSpan implements ReadableSpan {
  readonly source: ReadableSpan;
  readonly attributes: Attributes;
  readonly events: TimedEvent[];
  readonly [WRITTEN]: Written;

  constructor(source: ReadableSpan, attributes: Attributes, events: TimedEvent[], written: Written) {
    this.source = source;
    this.attributes = attributes;
    this.events = events;
    this[WRITTEN] = written;
  }

  spanContext(): SpanContext {
    return this.source.spanContext();
  }
  get name(): string {
    return this.source.name;
  }
  get kind(): SpanKind {
    return this.source.kind;
  }
  get parentSpanContext(): SpanContext | undefined {
    return this.source.parentSpanContext;
  }
  /** SDK 1.x's name for the parent, for exporters of that line. */
  get parentSpanId(): unknown {
    return (this.source as { parentSpanId?: unknown }).parentSpanId;
  }
  get startTime(): HrTime {
    return this.source.startTime;
  }
  get endTime(): HrTime {
    return this.source.endTime;
  }
  get status(): SpanStatus {
    return this.source.status;
  }
  get links(): Link[] {
    return this.source.links;
  }
  get duration(): HrTime {
    return this.source.duration;
  }
  get ended(): boolean {
    return this.source.ended;
  }
  get resource(): ReadableSpan['resource'] {
    return this.source.resource;
  }
  get instrumentationScope(): ReadableSpan['instrumentationScope'] {
    return this.source.instrumentationScope;
  }
  /** SDK 1.x's name for the scope, for exporters of that line. */
  get instrumentationLibrary(): unknown {
    return (this.source as { instrumentationLibrary?: unknown }).instrumentationLibrary;
  }
  get droppedAttributesCount(): number {
    return this.source.droppedAttributesCount;
  }
  get droppedEventsCount(): number {
    return this.source.droppedEventsCount;
  }
  get droppedLinksCount(): number {
    return this.source.droppedLinksCount;
  }
}
