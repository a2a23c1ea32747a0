import { diag } from '@opentelemetry/api';
import type { ExportTarget } from './export-targets.js';
import { backoffDelayMs } from './retry-policy.js';
import type { ExportOutcome, RetryOptions } from './retry-policy.js';

/** Batches in flight per target, retrying ones included: below the OTLP exporters' usual concurrency limit. */
const MAX_CONCURRENT_EXPORTS = 4;
/** Distinct loss reasons logged per target; past it losses are only counted. */
const MAX_LOSS_REASONS_LOGGED = 20;

export interface BatchingOptions {
  readonly maxBatchSpans: number;
  readonly flushIntervalMs: number;
  readonly retry: RetryOptions;
}

/** Time as the sink sees it. The default reads the globals at each call, so fake timers drive it in tests. */
export interface SinkClock {
  now(): number;
  /** Runs `fn` after `ms`; returns a cancel function. Must not keep the process alive. */
  schedule(fn: () => void, ms: number): () => void;
  random(): number;
}

export const SYSTEM_CLOCK: SinkClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => {
      clearTimeout(timer);
    };
  },
  random: () => Math.random(),
};

/** How a batch ended: `failed` = lost (refused for good, or still failing when its retry window closed). */
export type SinkOutcome = 'ok' | 'failed';

export interface SinkEvents<T> {
  onResult(target: ExportTarget<T>, spans: number, outcome: SinkOutcome): void;
  /** A batch of `spans` failed with a retryable error and will be sent again. */
  onRetry?(target: ExportTarget<T>, spans: number): void;
}

interface Sleeper {
  wakeAt: number;
  cancel: () => void;
  readonly wake: () => void;
}

/**
 * Buffers forwarded items (spans, or encoded requests: the sink does not look
 * inside) into batches for one target: a full batch goes at once, a partial one
 * after `flushIntervalMs`. A batch that fails with a retryable error is sent
 * again with backoff until `retry.maxElapsedMs` after its first attempt, then
 * counted lost; a permanent failure is counted lost at once. Every item stays
 * in `queued` until its batch is done, so the gateway's admission limit bounds
 * the memory of a long outage too.
 */
export class BatchingSink<T> {
  private readonly _target: ExportTarget<T>;
  private readonly _options: BatchingOptions;
  private readonly _events: SinkEvents<T>;
  private readonly _sizeOf: (item: T) => number;
  private readonly _clock: SinkClock;
  private _buffer: T[] = [];
  private _bufferedSpans = 0;
  private _exportingSpans = 0;
  private readonly _exports = new Set<Promise<void>>();
  private readonly _sleepers = new Set<Sleeper>();
  private _cancelTimer: (() => void) | undefined;
  /** While shutting down: retries stop at this time, whatever their own window says. */
  private _giveUpAt = Number.POSITIVE_INFINITY;
  private _retrying = 0;
  private readonly _lossesLogged = new Set<string>();

  constructor(target: ExportTarget<T>, options: BatchingOptions, events: SinkEvents<T>, sizeOf: (item: T) => number = () => 1, clock: SinkClock = SYSTEM_CLOCK) {
    this._target = target;
    this._options = options;
    this._events = events;
    this._sizeOf = sizeOf;
    this._clock = clock;
  }

  /** Spans buffered, being exported, or waiting for a retry. */
  get queued(): number {
    return this._bufferedSpans + this._exportingSpans;
  }

  add(item: T): void {
    this._buffer.push(item);
    this._bufferedSpans += this._sizeOf(item);
    this._pump(false);
    if (this._buffer.length > 0) this._schedule();
  }

  /** Resolves when everything added so far has been exported or counted lost. */
  async flush(): Promise<void> {
    while (this._buffer.length > 0 || this._exports.size > 0) {
      this._pump(true);
      await Promise.race(this._exports);
    }
  }

  /**
   * From now on, retries stop `deadlineMs` from now whatever their own window
   * says (a pending retry is moved up to the deadline): for shutting down.
   */
  drainBy(deadlineMs: number): void {
    this._giveUpAt = Math.min(this._giveUpAt, this._clock.now() + deadlineMs);
    for (const sleeper of this._sleepers) {
      if (sleeper.wakeAt > this._giveUpAt) this._resleep(sleeper, this._giveUpAt);
    }
  }

  /** Flushes (see `drainBy` to bound it in time), then shuts the target down. What still fails is counted lost. */
  async shutdown(): Promise<void> {
    await this.flush();
    this._cancelTimer?.();
    await this._target.shutdown();
  }

  private _pump(partial: boolean): void {
    const max = this._options.maxBatchSpans;
    while (this._exports.size < MAX_CONCURRENT_EXPORTS && this._buffer.length > 0 && (partial || this._buffer.length >= max)) {
      const batch = this._buffer.splice(0, max);
      const spans = batch.reduce((sum, item) => sum + this._sizeOf(item), 0);
      this._bufferedSpans -= spans;
      this._exportingSpans += spans;
      const done = this._deliver(batch, spans).then(() => {
        this._exportingSpans -= spans;
        this._exports.delete(done);
        this._pump(false);
        if (this._buffer.length > 0) this._schedule();
      });
      this._exports.add(done);
    }
  }

  private async _deliver(batch: T[], spans: number): Promise<void> {
    const firstAttempt = this._clock.now();
    for (let attempt = 0; ; attempt++) {
      const outcome = await this._attempt(batch);
      if (outcome.kind === 'ok') {
        if (attempt > 0 && --this._retrying === 0) diag.info(`agent-triage gateway: forwarding to ${this._target.name} resumed`);
        this._events.onResult(this._target, spans, 'ok');
        return;
      }
      const now = this._clock.now();
      const deadline = Math.min(firstAttempt + this._options.retry.maxElapsedMs, this._giveUpAt);
      if (outcome.kind === 'permanent' || now >= deadline) {
        if (attempt > 0) this._retrying--;
        const why = outcome.kind === 'permanent' ? 'refused' : `still failing after ${Math.round((now - firstAttempt) / 1000)} s of retries`;
        this._logLossOnce(`agent-triage gateway: forwarding failed, spans lost (${this._target.name}, ${why}): ${outcome.message}`);
        this._events.onResult(this._target, spans, 'failed');
        return;
      }
      if (attempt === 0 && this._retrying++ === 0) {
        diag.warn(`agent-triage gateway: forwarding to ${this._target.name} failed (${outcome.message}); retrying for up to ${this._options.retry.maxElapsedMs} ms per batch`);
      }
      this._events.onRetry?.(this._target, spans);
      const wait = outcome.retryAfterMs ?? backoffDelayMs(attempt, this._options.retry, () => this._clock.random());
      await this._sleep(Math.min(now + wait, deadline));
    }
  }

  /** One line per distinct reason (bounded): a backend refusing every batch must not flood the log; the counter counts each span. */
  private _logLossOnce(line: string): void {
    const reason = line.replace(/after \d+ s of retries/, 'after retries');
    if (this._lossesLogged.has(reason) || this._lossesLogged.size >= MAX_LOSS_REASONS_LOGGED) return;
    this._lossesLogged.add(reason);
    diag.error(`${line} (logged once per reason; agent_triage.gateway.spans.forwarded{outcome="failed"} counts them)`);
  }

  private async _attempt(batch: T[]): Promise<ExportOutcome> {
    try {
      return await this._target.export(batch);
    } catch (error) {
      // A target that throws broke its contract; treat it as a failure worth retrying rather than lose the batch.
      return { kind: 'retryable', message: error instanceof Error ? error.message : String(error) };
    }
  }

  private _sleep(wakeAt: number): Promise<void> {
    return new Promise(resolve => {
      const sleeper: Sleeper = {
        wakeAt,
        cancel: () => undefined,
        wake: () => {
          this._sleepers.delete(sleeper);
          resolve();
        },
      };
      this._sleepers.add(sleeper);
      this._resleep(sleeper, wakeAt);
    });
  }

  private _resleep(sleeper: Sleeper, wakeAt: number): void {
    sleeper.cancel();
    sleeper.wakeAt = wakeAt;
    sleeper.cancel = this._clock.schedule(sleeper.wake, Math.max(0, wakeAt - this._clock.now()));
  }

  private _schedule(): void {
    if (this._cancelTimer !== undefined) return;
    this._cancelTimer = this._clock.schedule(() => {
      this._cancelTimer = undefined;
      this._pump(true);
      if (this._buffer.length > 0) this._schedule();
    }, this._options.flushIntervalMs);
  }
}
