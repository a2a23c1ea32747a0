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

/**
 * Quantiles (each in [0, 1]) of the merged histograms, at bin resolution (a
 * bin's geometric middle), and how many values they are over.
 */
export function quantilesOf(histograms: readonly LogHistogram[], quantiles: readonly number[]): { values: number[]; count: number } {
  // One histogram (a window of one day) is read as it is: its bins are integer keys, which objects list in ascending order.
  let size = histograms.length === 1 ? binsInKeyOrder(histograms[0] as LogHistogram) : -1;
  if (size < 0) size = mergedBins(histograms);
  let count = 0;
  for (let i = 0; i < size; i++) count += scratchCounts[i] as number;
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

// The bins being read, ascending, and their counts: reused, so a quantile costs one key listing and no other allocation.
const scratchBins: number[] = [];
const scratchCounts: number[] = [];

/** Fills the scratch from one histogram; -1 when its keys are not strictly ascending numbers (a hand-edited state file). */
function binsInKeyOrder(histogram: LogHistogram): number {
  let previous = -Infinity;
  let size = 0;
  for (const bin in histogram) {
    const at = Number(bin);
    if (!(at > previous)) return -1;
    previous = at;
    scratchBins[size] = at;
    scratchCounts[size] = histogram[bin] ?? 0;
    size++;
  }
  return size;
}

/** Fills the scratch with the merged bins of several histograms, in ascending order. */
function mergedBins(histograms: readonly LogHistogram[]): number {
  const merged = new Map<number, number>();
  for (const histogram of histograms) {
    for (const bin in histogram) {
      const at = Number(bin);
      merged.set(at, (merged.get(at) ?? 0) + (histogram[bin] ?? 0));
    }
  }
  const bins = [...merged.keys()].sort((a, b) => a - b);
  for (const [i, bin] of bins.entries()) {
    scratchBins[i] = bin;
    scratchCounts[i] = merged.get(bin) ?? 0;
  }
  return bins.length;
}
