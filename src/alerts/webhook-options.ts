import { z } from 'zod';
import { SEVERITIES } from '../signals/signal.js';
import { ALERT_FORMATS } from './alert-payload.js';

const positiveInt = z.number().int().positive();
const durationMs = z.number().int().min(0).max(24 * 60 * 60 * 1000);

/** Options of the webhook alert sink (processor option `alerts`). */
export const webhookOptionsSchema = z.strictObject({
  /** The incoming-webhook URL (http or https). */
  url: z.url({ protocol: /^https?$/ }),
  format: z.enum(ALERT_FORMATS).default('slack'),
  /** Extra request headers, e.g. an authorization header for a generic receiver. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Findings of these severities page. */
  severities: z.array(z.enum(SEVERITIES)).default(['hard']),
  /** Signals that page whatever their severity. */
  signals: z.array(z.string().min(1)).default([]),
  /** Whether rollback candidates and regressions of fixed failures page. */
  loopEvents: z.boolean().default(true),
  /** An alert with the same key as one sent this recently is counted, not sent. */
  dedupeWindowMs: durationMs.default(10 * 60 * 1000),
  /** Distinct dedupe keys remembered; the least recently alerted is forgotten first. */
  maxDedupeKeys: positiveInt.default(10_000),
  /** Alerts accepted per minute (token bucket); more are counted as undelivered. */
  maxPerMinute: positiveInt.default(20),
  /** Alerts waiting for delivery; more are counted as undelivered. */
  maxQueue: positiveInt.default(100),
  /** Retries after the first attempt, on network errors, timeouts, 429 and 5xx. */
  maxRetries: z.number().int().min(0).max(10).default(3),
  /** First backoff; doubles per retry up to `maxBackoffMs`. A 429's `Retry-After` is honoured up to the same cap. */
  initialBackoffMs: durationMs.default(1000),
  maxBackoffMs: durationMs.default(30_000),
  /** Per-attempt timeout. */
  timeoutMs: positiveInt.max(120_000).default(5000),
});
/** The `alerts` option: the webhook, its format, what pages, deduplication, rate limit and retries. */
export type WebhookAlertOptions = z.input<typeof webhookOptionsSchema>;
export type ResolvedWebhookOptions = z.output<typeof webhookOptionsSchema>;
