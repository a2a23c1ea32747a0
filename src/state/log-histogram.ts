/**
 * A sparse histogram of non-negative values in logarithmic bins (8 per
 * doubling, about 9% wide), as `{bin: count}`: small, JSON-friendly, and
 * mergeable exactly, so a median over many time buckets is cheap.
 */
export type LogHistogram = Readonly<Record<string, number>>;

const BINS_PER_DOUBLING = 8;

export function binOf(value: number): number {
  return Math.floor(Math.log2(1 + Math.max(0, value)) * BINS_PER_DOUBLING);
}

/** Counts `value` in `histogram` in place (a histogram owned by the caller's state). */
export function countInHistogram(histogram: Record<string, number>, value: number): void {
  const bin = String(binOf(value));
  histogram[bin] = (histogram[bin] ?? 0) + 1;
}

/** The median of the merged histograms, at bin resolution, and how many values it is over. */
export function medianOf(histograms: readonly LogHistogram[]): { median: number; count: number } {
  const { values, count } = quantilesOf(histograms, [0.5]);
  return { median: values[0] ?? 0, count };
}

/**
 * Quantiles (each in [0, 1]) of the merged histograms, at bin resolution (a
 * bin's geometric middle), and how many values they are over.
 */
export function quantilesOf(histograms: readonly LogHistogram[], quantiles: readonly number[]): { values: number[]; count: number } {
  // One histogram (a window of one day) is read as it is: its bins are integer keys, which objects list in ascending order.
  if (histograms.length === 1) {
    const only = quantilesInOrder(histograms[0] as LogHistogram, quantiles);
    if (only !== undefined) return only;
  }
  const merged = new Map<number, number>();
  let count = 0;
  for (const histogram of histograms) {
    for (const bin in histogram) {
      const n = histogram[bin] ?? 0;
      const at = Number(bin);
      merged.set(at, (merged.get(at) ?? 0) + n);
      count += n;
    }
  }
  const bins = [...merged.keys()].sort((a, b) => a - b);
  const values = quantiles.map(q => {
    let seen = 0;
    for (const bin of bins) {
      seen += merged.get(bin) ?? 0;
      if (seen >= q * count) return 2 ** ((bin + 0.5) / BINS_PER_DOUBLING) - 1;
    }
    return 0;
  });
  return { values, count };
}

// Scratch for the one-histogram path: reused, so a quantile costs one key listing and no other allocation.
const scratchBins: number[] = [];
const scratchCounts: number[] = [];

/** Undefined when the keys are not strictly ascending numbers (a hand-edited state file): the merge above handles those. */
function quantilesInOrder(histogram: LogHistogram, quantiles: readonly number[]): { values: number[]; count: number } | undefined {
  let count = 0;
  let previous = -Infinity;
  let size = 0;
  for (const bin in histogram) {
    const at = Number(bin);
    if (!(at > previous)) return undefined;
    previous = at;
    const n = histogram[bin] ?? 0;
    scratchBins[size] = at;
    scratchCounts[size] = n;
    size++;
    count += n;
  }
  const values: number[] = [];
  for (const q of quantiles) {
    let seen = 0;
    let value = 0;
    for (let i = 0; i < size; i++) {
      seen += scratchCounts[i] as number;
      if (seen >= q * count) {
        value = 2 ** (((scratchBins[i] as number) + 0.5) / BINS_PER_DOUBLING) - 1;
        break;
      }
    }
    values.push(value);
  }
  return { values, count };
}
