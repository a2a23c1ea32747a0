import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { enrichSpan } from '../emit/span-enrichment.js';
import type { BatchingSink } from './batching-sink.js';
import type { DecodedSpan } from './trace-request.js';

/**
 * The triage processor's `next` in the gateway. Each span the processor hands
 * over is matched, by trace and span id, to the span as it was received, and
 * forwarded as that original plus exactly what triage added (events appended,
 * attributes set), so nothing is lost to the flattening of the triage input.
 */
export class ForwardingProcessor implements SpanProcessor {
  private readonly _sinks: readonly BatchingSink<ReadableSpan>[];
  /** Received spans not yet handed back by the triage processor; a list per id, as a sender may retry a batch. */
  private readonly _awaiting = new Map<string, DecodedSpan[]>();
  private _awaitingCount = 0;

  constructor(sinks: readonly BatchingSink<ReadableSpan>[]) {
    this._sinks = sinks;
  }

  /** Spans accepted and not yet exported: awaiting triage, buffered or being exported. */
  get queued(): number {
    return this._awaitingCount + Math.max(0, ...this._sinks.map(sink => sink.queued));
  }

  /** Registers received spans; call before handing their `input` to the triage processor. */
  expect(spans: readonly DecodedSpan[]): void {
    for (const span of spans) {
      const key = keyOf(span.input);
      const list = this._awaiting.get(key);
      if (list) list.push(span);
      else this._awaiting.set(key, [span]);
      this._awaitingCount++;
    }
  }

  onStart(): void {
    // Received spans have already ended.
  }

  onEnd(span: ReadableSpan): void {
    const key = keyOf(span);
    const list = this._awaiting.get(key);
    const original = list?.shift();
    if (list?.length === 0) this._awaiting.delete(key);
    let out = span;
    if (original) {
      this._awaitingCount--;
      out = withAdditions(original, span);
    }
    for (const sink of this._sinks) sink.add(out);
  }

  /** Bounds the time left for retries: forwarding gives up `deadlineMs` from now (see `BatchingSink.drainBy`). */
  drainBy(deadlineMs: number): void {
    for (const sink of this._sinks) sink.drainBy(deadlineMs);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this._sinks.map(sink => sink.flush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this._sinks.map(sink => sink.shutdown()));
  }
}

function keyOf(span: ReadableSpan): string {
  const context = span.spanContext();
  return `${context.traceId}/${context.spanId}`;
}

/** The original span plus what triage added to its input: appended events and changed or new attributes. */
function withAdditions(original: DecodedSpan, triaged: ReadableSpan): ReadableSpan {
  if (triaged === original.input) return original.forward;
  const events = triaged.events.slice(original.input.events.length);
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(triaged.attributes)) {
    if (value !== original.input.attributes[key]) attributes[key] = value;
  }
  return enrichSpan(original.forward, events, attributes);
}
