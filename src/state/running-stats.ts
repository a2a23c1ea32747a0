/**
 * Count, mean and M2 (sum of squared deviations), merged exactly with Chan et
 * al.'s formula (one value is added with Welford's update, in the time window).
 * Variance = M2 / (n - 1).
 */
export interface RunningStats {
  readonly count: number;
  readonly mean: number;
  readonly m2: number;
}

export const EMPTY_STATS: RunningStats = { count: 0, mean: 0, m2: 0 };

export function mergeStats(a: RunningStats, b: RunningStats): RunningStats {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
  };
}

/** Sample standard deviation; 0 below two values. */
export function stdDev(stats: RunningStats): number {
  return stats.count < 2 ? 0 : Math.sqrt(Math.max(0, stats.m2) / (stats.count - 1));
}
