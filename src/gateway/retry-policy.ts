/**
 * How a forwarded batch is retried: exponential backoff with jitter, for at
 * most `maxElapsedMs` from its first attempt (the defaults are the
 * OpenTelemetry Collector's `retry_on_failure`: 5 s, ×1.5, 30 s, 5 min).
 * A `Retry-After` from the backend replaces the backoff for that wait.
 */
export interface RetryOptions {
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { initialIntervalMs: 5000, maxIntervalMs: 30_000, maxElapsedMs: 300_000 };

const MULTIPLIER = 1.5;
/** Each wait is drawn uniformly from ±50% of the nominal one, so gateways that failed together do not retry together. */
const RANDOMIZATION = 0.5;

/** The wait before retry number `attempt` (0 for the first retry). `random` is in [0, 1). */
export function backoffDelayMs(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const nominal = Math.min(options.maxIntervalMs, options.initialIntervalMs * MULTIPLIER ** attempt);
  return Math.round(nominal * (1 - RANDOMIZATION + 2 * RANDOMIZATION * random()));
}

/**
 * The delay a `Retry-After` header asks for, in ms: delta-seconds or an
 * HTTP date (RFC 9110). Undefined when absent or unreadable.
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What a target says about one export attempt. */
export type ExportOutcome =
  | { readonly kind: 'ok' }
  /** Worth sending again: refused connection, timeout, 429/502/503/504; `retryAfterMs` when the backend said when. */
  | { readonly kind: 'retryable'; readonly message: string; readonly retryAfterMs?: number }
  /** Sending it again would fail the same way (e.g. 400): the batch is lost now. */
  | { readonly kind: 'permanent'; readonly message: string };

export const EXPORT_OK: ExportOutcome = { kind: 'ok' };
