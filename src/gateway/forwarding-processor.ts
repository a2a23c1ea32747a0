import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { BatchingSink } from './batching-sink.js';
import { forwardSourceOf } from './forward-item.js';

/**
 * The triage processor's `next` in the gateway: hands every span to each
 * sink. A received span carries how it is forwarded (its original bytes, or
 * a lossless copy) and what triage wrote on it, so nothing needs matching
 * here; this only counts the spans still inside triage.
 */
export class ForwardingProcessor implements SpanProcessor {
  private readonly _sinks: readonly BatchingSink<ReadableSpan>[];
  /** Received spans handed to triage and not handed back yet (held turn roots). */
  private _inTriage = 0;

  constructor(sinks: readonly BatchingSink<ReadableSpan>[]) {
    this._sinks = sinks;
  }

  /** Spans accepted and not yet exported: in triage, buffered or being exported. */
  get queued(): number {
    let most = 0;
    for (const sink of this._sinks) most = Math.max(most, sink.queued);
    return this._inTriage + most;
  }

  /** Counts received spans about to be handed to the triage processor. */
  expect(count: number): void {
    this._inTriage += count;
  }

  onStart(): void {
    // Received spans have already ended.
  }

  onEnd(span: ReadableSpan): void {
    if (forwardSourceOf(span) !== undefined) this._inTriage--;
    for (const sink of this._sinks) sink.add(span);
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
