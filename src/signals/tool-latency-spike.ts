import { z } from 'zod';
import { isFailed } from '../normalize/span-view.js';
import { stdDev } from '../state/running-stats.js';
import { JoinedKeys } from '../state/joined-keys.js';
import { addToWindow, bucketAt, currentBucket, statsBetween } from '../state/time-window.js';
import type { StatsBucket } from '../state/time-window.js';
import type { Signal, SignalDeps } from './signal.js';

const HOUR_MS = 3_600_000;

export const toolLatencySpikeOptions = z.strictObject({
  /** Fires when a call's latency is more than this many standard deviations above its baseline. */
  thresholdSigma: z.number().positive().default(3),
  /** Length of the sliding baseline window. */
  windowMs: z.number().int().positive().default(7 * 24 * HOUR_MS),
  /** Width of one time bucket of the window (statistics merge exactly across buckets). */
  bucketMs: z.number().int().positive().default(HOUR_MS),
  /** Calls a baseline needs before any verdict (cold start). */
  minSamples: z.number().int().min(2).default(30),
  /** `log`: statistics of log(1 + ms), for heavy-tailed latencies. `linear`: of ms. */
  scale: z.enum(['log', 'linear']).default('log'),
  /** A spike must also exceed the baseline's typical latency by this many ms (ignores jitter on very fast tools). */
  minExcessMs: z.number().min(0).default(10),
});
export type ToolLatencySpikeOptions = z.input<typeof toolLatencySpikeOptions>;

const baselineSchema = z.array(z.tuple([z.number().int(), z.number().int().positive(), z.number(), z.number().min(0)]));

/**
 * `tool_latency_spike`: a tool call much slower than the same tool's baseline
 * for the same service and agent over the last 7 days. The baseline is a
 * window of hourly buckets of (count, mean, M2), merged exactly; it is kept in
 * the state store, so a restart does not reset it. Spikes stay out of the
 * baseline; if latency shifts for good, the old buckets age out of the window
 * and the new level is learned after a cold start (at most one window later).
 */
export function createToolLatencySpikeSignal(options: ToolLatencySpikeOptions, deps: SignalDeps): Signal {
  const { thresholdSigma, windowMs, bucketMs, minSamples, scale, minExcessMs } = toolLatencySpikeOptions.parse(options);
  const windowBuckets = Math.max(1, Math.ceil(windowMs / bucketMs));
  const baselines = deps.state('baseline', baselineSchema);
  const toValue = scale === 'log' ? Math.log1p : (ms: number) => ms;
  const toMs = scale === 'log' ? Math.expm1 : (value: number) => value;
  const keys = new JoinedKeys();
  return {
    id: 'tool_latency_spike',
    onSpan(span, ctx) {
      if (span.role !== 'tool_call' || span.toolName === undefined || isFailed(span)) return;
      const key = keys.of(keys.of(span.serviceName ?? '', span.agentName ?? ''), span.toolName);
      const buckets: StatsBucket[] = baselines.get(key) ?? [];
      const at = bucketAt(deps.now(), bucketMs);
      const now = currentBucket(buckets, at);
      const baseline = statsBetween(buckets, now - windowBuckets, now);
      const value = toValue(span.durationMs);
      if (baseline.count >= minSamples) {
        const sigma = stdDev(baseline);
        const limit = baseline.mean + predictionFactor(thresholdSigma, baseline.count) * sigma;
        const typicalMs = toMs(baseline.mean);
        if (value > limit && span.durationMs - typicalMs > minExcessMs) {
          ctx.report({
            spanId: span.spanId,
            details: {
              'gen_ai.tool.name': span.toolName,
              latency_ms: round(span.durationMs),
              baseline_ms: round(typicalMs),
              threshold_ms: round(toMs(limit)),
              ...(sigma > 0 && { sigma: round((value - baseline.mean) / sigma) }),
              baseline_samples: baseline.count,
              scale,
            },
          });
          return; // a spike stays out of its baseline, so it cannot raise the bar for the next one
        }
      }
      baselines.set(key, addToWindow(buckets, at, value, windowBuckets));
    },
    toString: () => `tool_latency_spike{thresholdSigma=${thresholdSigma},scale=${scale},minSamples=${minSamples}}`,
  };
}

/**
 * `k` sigma widened for a baseline of `n` values, as a prediction interval
 * is: Student's t quantile for n - 1 degrees of freedom at the tail of `k`
 * (Cornish-Fisher expansion), times sqrt(1 + 1/n). A young baseline's sigma is
 * uncertain; without this a 30-sample baseline pages several times too often.
 * Tends to `k` as n grows (3.0 at n = 30 becomes about 3.33, at 1000 about 3.01).
 */
export function predictionFactor(k: number, n: number): number {
  const df = Math.max(1, n - 1);
  const t = k + (k ** 3 + k) / (4 * df) + (5 * k ** 5 + 16 * k ** 3 + 3 * k) / (96 * df ** 2);
  return t * Math.sqrt(1 + 1 / n);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
