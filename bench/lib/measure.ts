/**
 * Shared by the benches: interleaved rounds, medians and spreads, command-line
 * options, tables, and the JSON summary (written outside the checkout).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Median with the interquartile range as its spread. */
export interface Spread {
  readonly median: number;
  readonly p25: number;
  readonly p75: number;
}

export function spreadOf(values: readonly number[]): Spread {
  return { median: median(values), p25: quantile(values, 0.25), p75: quantile(values, 0.75) };
}

export const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
export const fmtSpread = (s: Spread, digits = 2): string => `${fmt(s.median, digits)} [${fmt(s.p25, digits)}–${fmt(s.p75, digits)}]`;

/**
 * Times `baseline` and `candidate` in alternating rounds (the order flips every
 * round), so both see the same machine; returns per-round times and ratios.
 */
export async function interleaved(
  baseline: () => Promise<number> | number,
  candidate: () => Promise<number> | number,
  rounds: number,
): Promise<{ baseline: number[]; candidate: number[]; ratios: number[] }> {
  const out = { baseline: [] as number[], candidate: [] as number[], ratios: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    let b: number;
    let c: number;
    if (r % 2 === 0) {
      b = await baseline();
      c = await candidate();
    } else {
      c = await candidate();
      b = await baseline();
    }
    out.baseline.push(b);
    out.candidate.push(c);
    out.ratios.push(c / b);
  }
  return out;
}

export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

export interface BenchArgs {
  /** Where the JSON summary goes (default: the OS temp dir). */
  readonly out: string;
  /** Fewer rounds and smaller inputs: a smoke run. */
  readonly quick: boolean;
  readonly argv: readonly string[];
}

export function benchArgs(name: string, argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const at = argv.indexOf('--out');
  const out = at !== -1 && argv[at + 1] !== undefined ? (argv[at + 1] as string) : join(tmpdir(), `agent-triage-bench-${name}.json`);
  return { out, quick: argv.includes('--quick'), argv };
}

export function writeSummary(path: string, summary: unknown): void {
  writeFileSync(path, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`summary: ${path}`);
}

export function table(rows: readonly Record<string, string>[]): void {
  console.table(rows);
}
