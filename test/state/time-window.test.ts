import { describe, expect, it } from 'vitest';
import { stdDev } from '../../src/state/running-stats.js';
import { addToWindow, statsBetween } from '../../src/state/time-window.js';
import type { StatsBucket } from '../../src/state/time-window.js';

function direct(values: readonly number[]): { count: number; mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { count: values.length, mean, sd };
}

describe('sliding window of (count, mean, M2) buckets', () => {
  it.each([
    { desc: 'one bucket', perBucket: [50] },
    { desc: 'many buckets of uneven size', perBucket: [1, 7, 30, 2, 90, 13] },
    { desc: 'large values with small spread (numerically hard for naive sums)', perBucket: [40, 40, 40], offset: 1e9 },
  ])('merges buckets exactly: $desc', ({ perBucket, offset = 0 }) => {
    let buckets: StatsBucket[] = [];
    const all: number[] = [];
    perBucket.forEach((n, hour) => {
      for (let i = 0; i < n; i++) {
        const value = offset + Math.sin(hour * 31 + i) * 10;
        all.push(value);
        buckets = addToWindow(buckets, hour, value, 168);
        statsBetween(buckets, hour - 168, hour); // reads between writes exercise the cache
      }
    });
    const merged = statsBetween(buckets, -1, perBucket.length);
    const expected = direct(all);
    expect(merged.count).toBe(expected.count);
    expect(merged.mean).toBeCloseTo(expected.mean, 6);
    if (expected.count > 1) expect(stdDev(merged)).toBeCloseTo(expected.sd, 6);
  });

  it('drops buckets that leave the window and never goes back in time', () => {
    let buckets: StatsBucket[] = [];
    buckets = addToWindow(buckets, 10, 1, 3);
    buckets = addToWindow(buckets, 11, 2, 3);
    buckets = addToWindow(buckets, 13, 3, 3); // hour 10 leaves (window 11..13)
    expect(buckets.map(b => b[0])).toEqual([11, 13]);
    buckets = addToWindow(buckets, 5, 4, 3); // clock went backwards: joins hour 13
    expect(buckets.map(b => [b[0], b[1]])).toEqual([
      [11, 1],
      [13, 2],
    ]);
    expect(statsBetween(buckets, 10, 13).count).toBe(3);
    expect(statsBetween(buckets, 11, 13).count).toBe(2);
  });
});
