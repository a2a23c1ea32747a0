import { EMPTY_STATS, addValue, mergeStats } from './running-stats.js';
import type { RunningStats } from './running-stats.js';

/** One time bucket of a sliding window, compact for the state file: `[bucket index, count, mean, M2]`. */
export type StatsBucket = [at: number, count: number, mean: number, m2: number];

/** Index of the time bucket `nowMs` falls in. */
export function bucketAt(nowMs: number, bucketMs: number): number {
  return Math.floor(nowMs / bucketMs);
}

/**
 * Adds `value` to bucket `at` and drops buckets that left the window of
 * `windowBuckets`. A clock that went backwards lands in the newest bucket:
 * buckets never go back in time, and nothing is dropped for it.
 */
export function addToWindow(buckets: readonly StatsBucket[], at: number, value: number, windowBuckets: number): StatsBucket[] {
  const newest = buckets.at(-1);
  const index = newest === undefined ? at : Math.max(at, newest[0]);
  const kept = buckets.filter(b => b[0] > index - windowBuckets);
  const last = kept.at(-1);
  if (last?.[0] === index) {
    const stats = addValue(statsOf(last), value);
    kept[kept.length - 1] = [index, stats.count, stats.mean, stats.m2];
  } else {
    kept.push([index, 1, value, 0]);
  }
  return kept;
}

/** Exact merge of the buckets in `(fromExclusive, toInclusive]`. */
export function statsBetween(buckets: readonly StatsBucket[], fromExclusive: number, toInclusive: number): RunningStats {
  let total = EMPTY_STATS;
  for (const bucket of buckets) {
    if (bucket[0] > fromExclusive && bucket[0] <= toInclusive) total = mergeStats(total, statsOf(bucket));
  }
  return total;
}

/** The newest bucket index to count as "now": the clock's, or the newest bucket's if the clock went backwards. */
export function currentBucket(buckets: readonly StatsBucket[], at: number): number {
  const newest = buckets.at(-1);
  return newest === undefined ? at : Math.max(at, newest[0]);
}

function statsOf(bucket: StatsBucket): RunningStats {
  return { count: bucket[1], mean: bucket[2], m2: bucket[3] };
}
