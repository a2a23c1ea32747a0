import { EMPTY_STATS, mergeStats } from './running-stats.js';
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
 * buckets never go back in time, and nothing is dropped for it. Within the
 * newest bucket the array is updated in place; a new bucket makes a new array.
 */
export function addToWindow(buckets: StatsBucket[], at: number, value: number, windowBuckets: number): StatsBucket[] {
  const newest = buckets.at(-1);
  const index = newest === undefined ? at : Math.max(at, newest[0]);
  if (newest?.[0] === index) {
    // Welford's update of the newest bucket in place (its older neighbours, and their cached merge, are untouched).
    const count = newest[1] + 1;
    const delta = value - newest[2];
    const mean = newest[2] + delta / count;
    newest[1] = count;
    newest[3] = newest[3] + delta * (value - mean);
    newest[2] = mean;
    return buckets;
  }
  // `concat` sizes the array exactly (a `push` would reserve room for 16 more buckets, held per baseline key).
  const fresh: StatsBucket = [index, 1, value, 0];
  return buckets.filter(b => b[0] > index - windowBuckets).concat([fresh]);
}

/**
 * Merged statistics of the older buckets of a window, per bucket array and
 * range: they only change when a new bucket starts (a new array), so a call
 * merges the cached older part with the newest bucket instead of every bucket.
 * Only for windows of more than {@link UNCACHED_OLDER_BUCKETS} older buckets:
 * merging a few costs less than the cache holds per key (a map per array).
 */
const olderStats = new WeakMap<readonly StatsBucket[], Map<string, RunningStats>>();
const UNCACHED_OLDER_BUCKETS = 8;

/** Exact merge of the buckets in `(fromExclusive, toInclusive]`. */
export function statsBetween(buckets: readonly StatsBucket[], fromExclusive: number, toInclusive: number): RunningStats {
  const newest = buckets.at(-1);
  const newestInRange = newest !== undefined && newest[0] > fromExclusive && newest[0] <= toInclusive;
  const olderUpTo = newestInRange ? newest[0] - 1 : toInclusive;
  if (buckets.length <= UNCACHED_OLDER_BUCKETS + 1) {
    const older = mergeOlder(buckets, newest, fromExclusive, olderUpTo);
    return newestInRange ? mergeStats(older, statsOf(newest)) : older;
  }
  const cache = olderStats.get(buckets) ?? new Map<string, RunningStats>();
  olderStats.set(buckets, cache);
  const key = `${fromExclusive}:${olderUpTo}`;
  let older = cache.get(key);
  if (older === undefined) {
    older = mergeOlder(buckets, newest, fromExclusive, olderUpTo);
    if (cache.size > 4) cache.clear();
    cache.set(key, older);
  }
  return newestInRange ? mergeStats(older, statsOf(newest)) : older;
}
/** Exact merge, in bucket order, of the buckets other than `newest` in `(fromExclusive, upTo]`. */
function mergeOlder(buckets: readonly StatsBucket[], newest: StatsBucket | undefined, fromExclusive: number, upTo: number): RunningStats {
  let older = EMPTY_STATS;
  for (const bucket of buckets) {
    if (bucket !== newest && bucket[0] > fromExclusive && bucket[0] <= upTo) older = mergeStats(older, statsOf(bucket));
  }
  return older;
}

/** The newest bucket index to count as "now": the clock's, or the newest bucket's if the clock went backwards. */
export function currentBucket(buckets: readonly StatsBucket[], at: number): number {
  const newest = buckets.at(-1);
  return newest === undefined ? at : Math.max(at, newest[0]);
}

function statsOf(bucket: StatsBucket): RunningStats {
  return { count: bucket[1], mean: bucket[2], m2: bucket[3] };
}
