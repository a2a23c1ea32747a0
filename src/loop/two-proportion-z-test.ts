/** Counts of failed turns out of all turns, for one agent version. */
export interface Proportion {
  readonly failures: number;
  readonly total: number;
}

export interface ZTestResult {
  readonly z: number;
  /** One-sided: the probability of a rise at least this large if both versions fail at the same rate. */
  readonly pValue: number;
}

/**
 * One-sided two-proportion z-test with a pooled proportion: is `candidate`'s
 * failure rate higher than `baseline`'s? Undefined when the normal
 * approximation does not hold: an empty group, or fewer than 5 expected
 * failures or successes in either group under the pooled rate.
 */
export function twoProportionZTest(baseline: Proportion, candidate: Proportion): ZTestResult | undefined {
  const n1 = baseline.total;
  const n2 = candidate.total;
  if (n1 === 0 || n2 === 0) return undefined;
  const pooled = (baseline.failures + candidate.failures) / (n1 + n2);
  const minExpected = Math.min(n1, n2) * Math.min(pooled, 1 - pooled);
  if (minExpected < 5) return undefined;
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = (candidate.failures / n2 - baseline.failures / n1) / standardError;
  return { z, pValue: 1 - standardNormalCdf(z) };
}

/** Φ(z) through erf, by Abramowitz & Stegun formula 7.1.26 (absolute error below 1.5e-7). */
export function standardNormalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
