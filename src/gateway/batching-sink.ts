import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ExportTarget } from './export-targets.js';

/** Exports running at once per target: below the OTLP exporter's own concurrency limit, which fails the excess. */
const MAX_CONCURRENT_EXPORTS = 4;

export interface BatchingOptions {
  readonly maxBatchSpans: number;
  readonly flushIntervalMs: number;
}

/**
 * Buffers forwarded spans into batches for one target: a full batch goes at
 * once, a partial one after `flushIntervalMs`. The buffer is bounded by the
 * gateway's admission limit (the queue it reports includes these spans).
 */
export class BatchingSink {
  private readonly _target: ExportTarget;
  private readonly _options: BatchingOptions;
  private readonly _onResult: (target: ExportTarget, spans: number, ok: boolean) => void;
  private _buffer: ReadableSpan[] = [];
  private _exporting = 0;
  private readonly _exports = new Set<Promise<void>>();
  private _timer: NodeJS.Timeout | undefined;

  constructor(target: ExportTarget, options: BatchingOptions, onResult: (target: ExportTarget, spans: number, ok: boolean) => void) {
    this._target = target;
    this._options = options;
    this._onResult = onResult;
  }

  /** Spans buffered or being exported. */
  get queued(): number {
    return this._buffer.length + this._exporting;
  }

  add(span: ReadableSpan): void {
    this._buffer.push(span);
    this._pump(false);
    if (this._buffer.length > 0) this._schedule();
  }

  /** Resolves when everything added so far has been exported (or given up on). */
  async flush(): Promise<void> {
    while (this._buffer.length > 0 || this._exports.size > 0) {
      this._pump(true);
      await Promise.race(this._exports);
    }
  }

  async shutdown(): Promise<void> {
    await this.flush();
    if (this._timer !== undefined) clearTimeout(this._timer);
    await this._target.shutdown();
  }

  private _pump(partial: boolean): void {
    const max = this._options.maxBatchSpans;
    while (this._exports.size < MAX_CONCURRENT_EXPORTS && this._buffer.length > 0 && (partial || this._buffer.length >= max)) {
      this._start(this._buffer.splice(0, max));
    }
  }

  private _start(batch: ReadableSpan[]): void {
    this._exporting += batch.length;
    const done = this._target
      .export(batch)
      .catch(() => false)
      .then(ok => {
        this._exporting -= batch.length;
        this._exports.delete(done);
        this._onResult(this._target, batch.length, ok);
        this._pump(false);
        if (this._buffer.length > 0) this._schedule();
      });
    this._exports.add(done);
  }

  private _schedule(): void {
    if (this._timer !== undefined) return;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      this._pump(true);
      if (this._buffer.length > 0) this._schedule();
    }, this._options.flushIntervalMs);
    this._timer.unref();
  }
}
