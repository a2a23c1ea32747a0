import { diag } from '@opentelemetry/api';
import type { Meter } from '@opentelemetry/api';
import { parseOrThrow } from '../config/config-error.js';
import { CounterTable, publishCounter } from '../emit/counter-table.js';
import { ATTR_TRIAGE_REASON } from '../emit/attributes.js';
import type { Alert } from './alert.js';
import { alertPayload } from './alert-payload.js';
import { webhookOptionsSchema } from './webhook-options.js';
import type { ResolvedWebhookOptions, WebhookAlertOptions } from './webhook-options.js';

export type UndeliveredReason = 'rate_limited' | 'queue_full' | 'failed' | 'shutdown';

interface Queued {
  readonly alert: Alert;
  readonly suppressed: number;
}

type AttemptResult = { kind: 'delivered' } | { kind: 'retry'; retryAfterMs: number | undefined } | { kind: 'permanent'; status: number };

/**
 * Posts alerts to a webhook without ever blocking the caller: `offer` only
 * dedupes, rate-limits and enqueues (bounded); one background loop delivers,
 * retrying transient failures with exponential backoff. What cannot be
 * delivered is counted by reason, never thrown.
 */
export class WebhookAlertSink {
  readonly delivered = new CounterTable([]);
  readonly deduplicated = new CounterTable([]);
  readonly undelivered = new CounterTable([ATTR_TRIAGE_REASON]);
  readonly retries = new CounterTable([]);
  private readonly _options: ResolvedWebhookOptions;
  private readonly _queue: Queued[] = [];
  /** Dedupe key → last time sent and duplicates held back since; insertion order is recency. */
  private readonly _recent = new Map<string, { sentMs: number; suppressed: number }>();
  private _tokens: number;
  private _tokensAtMs = Date.now();
  private _pump: Promise<void> | undefined;
  private _wakeSleeper: (() => void) | undefined;
  private _closing = false;
  private readonly _shutdownAbort = new AbortController();

  /** @throws ConfigError naming the key, when an option is invalid. */
  constructor(options: WebhookAlertOptions, meter: Meter) {
    this._options = parseOrThrow(webhookOptionsSchema, options, 'options.alerts');
    this._tokens = this._options.maxPerMinute;
    publishCounter(meter, 'agent_triage.alerts.delivered', '{alert}', 'Alerts the webhook accepted.', this.delivered);
    publishCounter(meter, 'agent_triage.alerts.deduplicated', '{alert}', 'Alerts held back because the same key was sent within the dedupe window.', this.deduplicated);
    publishCounter(meter, 'agent_triage.alerts.retries', '{attempt}', 'Delivery attempts retried after a network error, timeout, 429 or 5xx.', this.retries);
    publishCounter(meter, 'agent_triage.alerts.undelivered', '{alert}', 'Alerts that could not be delivered, by reason: rate_limited, queue_full, failed, shutdown.', this.undelivered);
  }

  get options(): ResolvedWebhookOptions {
    return this._options;
  }

  /** Accepts an alert for delivery; returns at once. */
  offer(alert: Alert): void {
    if (this._closing) {
      this.undelivered.add(['shutdown']);
      return;
    }
    const now = Date.now();
    const recent = this._recent.get(alert.dedupeKey);
    if (recent && now - recent.sentMs < this._options.dedupeWindowMs) {
      recent.suppressed++;
      this.deduplicated.add([]);
      return;
    }
    if (!this._takeToken(now)) {
      this.undelivered.add(['rate_limited']);
      return;
    }
    if (this._queue.length >= this._options.maxQueue) {
      this.undelivered.add(['queue_full']);
      return;
    }
    this._remember(alert.dedupeKey, now);
    this._queue.push({ alert, suppressed: recent?.suppressed ?? 0 });
    this._pump ??= this._deliverAll().finally(() => {
      this._pump = undefined;
    });
  }

  /** Resolves when every queued alert was delivered or given up on (retries included). */
  async forceFlush(): Promise<void> {
    while (this._pump) await this._pump;
  }

  /**
   * Stops accepting alerts and makes one last attempt, without backoff, at
   * what is queued, all within one `timeoutMs`; the rest counts as undelivered.
   */
  async shutdown(): Promise<void> {
    if (this._closing) return this.forceFlush();
    this._closing = true;
    this._wakeSleeper?.();
    const deadline = setTimeout(() => {
      this._shutdownAbort.abort();
    }, this._options.timeoutMs);
    deadline.unref();
    try {
      await this.forceFlush();
    } finally {
      clearTimeout(deadline);
    }
  }

  private _takeToken(now: number): boolean {
    const perMs = this._options.maxPerMinute / 60_000;
    this._tokens = Math.min(this._options.maxPerMinute, this._tokens + Math.max(0, now - this._tokensAtMs) * perMs);
    this._tokensAtMs = now;
    if (this._tokens < 1) return false;
    this._tokens -= 1;
    return true;
  }

  private _remember(key: string, now: number): void {
    this._recent.delete(key);
    if (this._recent.size >= this._options.maxDedupeKeys) {
      const oldest = this._recent.keys().next().value;
      if (oldest !== undefined) this._recent.delete(oldest);
    }
    this._recent.set(key, { sentMs: now, suppressed: 0 });
  }

  private async _deliverAll(): Promise<void> {
    for (let next = this._queue.shift(); next; next = this._queue.shift()) {
      if (this._shutdownAbort.signal.aborted) {
        this.undelivered.add(['shutdown']);
        continue;
      }
      const outcome = await this._deliver(next);
      if (outcome === 'delivered') this.delivered.add([]);
      else this.undelivered.add([outcome]);
    }
  }

  private async _deliver(item: Queued): Promise<'delivered' | 'failed' | 'shutdown'> {
    const body = JSON.stringify(alertPayload(item.alert, this._options.format, item.suppressed));
    for (let attempt = 0; ; attempt++) {
      const result = await this._attempt(body);
      if (result.kind === 'delivered') return 'delivered';
      if (this._shutdownAbort.signal.aborted) return 'shutdown';
      if (result.kind === 'permanent') {
        diag.warn(`agent-triage: alert webhook answered ${result.status}; not retried`);
        return 'failed';
      }
      if (attempt >= this._options.maxRetries) return 'failed';
      if (this._closing) return 'shutdown';
      this.retries.add([]);
      const backoff = Math.min(this._options.maxBackoffMs, result.retryAfterMs ?? this._options.initialBackoffMs * 2 ** attempt);
      await this._sleep(backoff);
    }
  }

  private async _attempt(body: string): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort();
    }, this._options.timeoutMs);
    timer.unref();
    try {
      const response = await fetch(this._options.url, {
        method: 'POST',
        headers: { ...this._options.headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([controller.signal, this._shutdownAbort.signal]),
      });
      await response.arrayBuffer(); // drain, so the connection can be reused
      if (response.ok) return { kind: 'delivered' };
      if (response.status === 429 || response.status >= 500) {
        return { kind: 'retry', retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
      }
      return { kind: 'permanent', status: response.status };
    } catch {
      return { kind: 'retry', retryAfterMs: undefined }; // network error or timeout
    } finally {
      clearTimeout(timer);
    }
  }

  private _sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const wake = (): void => {
        clearTimeout(timer);
        this._wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this._wakeSleeper = wake;
    });
  }
}

/** `Retry-After` in seconds (the HTTP-date form is rare on webhooks and is ignored). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
