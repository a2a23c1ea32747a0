import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binOf, countInHistogram, quantilesOf } from '../../src/state/log-histogram.js';

describe('log histograms', () => {
  it('quantiles of one histogram (read in key order) equal those of the general merge', () => {
    const bins = fc.dictionary(
      fc.oneof(fc.nat(500).map(String), fc.constantFrom('007', '1.5', '-1', 'x')),
      fc.nat(20),
    );
    fc.assert(
      fc.property(bins, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }), (histogram, quantiles) => {
        // A second, empty histogram sends the same data down the merge path.
        expect(quantilesOf([histogram], quantiles)).toEqual(quantilesOf([histogram, {}], quantiles));
      }),
    );
  });

  it('quantiles are read at bin resolution from counted values', () => {
    const histogram: Record<string, number> = {};
    for (const value of [10, 10, 10, 100, 1000]) countInHistogram(histogram, value);
    const { values, count } = quantilesOf([histogram], [0.5, 1]);
    expect(count).toBe(5);
    expect(binOf(values[0] ?? 0)).toBe(binOf(10));
    expect(binOf(values[1] ?? 0)).toBe(binOf(1000));
  });

  it('merges several histograms', () => {
    const { values, count } = quantilesOf([{ [binOf(5)]: 1 }, { [binOf(5)]: 1, [binOf(500)]: 2 }], [0.5]);
    expect(count).toBe(4);
    expect(binOf(values[0] ?? 0)).toBe(binOf(5));
  });
});
