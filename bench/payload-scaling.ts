/**
 * (b) Payload scaling: the 3-span turn (root, an LLM step whose answer holds
 * text plus one planned call, one tool call) at 0.1 KB and at 50 KB of content
 * (tool result and answer text), with and without triage, rounds interleaved.
 * Prints what triage adds per turn at each size and the ratio between them.
 *
 *   npm run build && node --import tsx bench/payload-scaling.ts [--quick] [--out file.json]
 */
import { payloadTurn } from './lib/agent-mix.js';
import { benchArgs, fmt, fmtSpread, interleaved, spreadOf, table, writeSummary } from './lib/measure.js';
import { benchTracer, timedRound } from './lib/tracers.js';

const args = benchArgs('payload-scaling');
const ROUNDS = args.quick ? 6 : 24;
const SIZES = [{ label: '0.1 KB', bytes: 100, turns: args.quick ? 200 : 1000 }, { label: '50 KB', bytes: 50_000, turns: args.quick ? 40 : 200 }];
const SPANS = 3;

const rows = [];
for (const size of SIZES) {
  const baseline = benchTracer(false, size.turns * SPANS * 2);
  const triaged = benchTracer(true, size.turns * SPANS * 2);
  const workload = (tracer: Parameters<typeof payloadTurn>[0]): void => {
    payloadTurn(tracer, size.bytes);
  };
  const round = (bench: typeof baseline) => () => timedRound(bench, workload, size.turns, SPANS);
  await interleaved(round(baseline), round(triaged), 4);
  const r = await interleaved(round(baseline), round(triaged), ROUNDS);
  const perTurnUs = (ns: number[]): number[] => ns.map(v => v / size.turns / 1000);
  const base = perTurnUs(r.baseline);
  const withTriage = perTurnUs(r.candidate);
  rows.push({
    size: size.label,
    contentBytes: size.bytes,
    baselineUsPerTurn: spreadOf(base),
    triageUsPerTurn: spreadOf(withTriage),
    // Per round, so the added cost comes from the same stretch of machine time.
    addedUsPerTurn: spreadOf(withTriage.map((t, i) => t - (base[i] ?? Number.NaN))),
    ratio: spreadOf(r.ratios),
  });
  await baseline.provider.shutdown();
  await triaged.provider.shutdown();
}
const [small, large] = rows;
const growth = (large?.addedUsPerTurn.median ?? Number.NaN) / (small?.addedUsPerTurn.median ?? Number.NaN);
const summary = { bench: 'payload-scaling', rounds: ROUNDS, rows, addedGrowth50KBover01KB: growth, target: { addedGrowthAtMost: 2 }, meetsTarget: growth <= 2 };
console.log('(b) payload scaling, µs per 3-span turn (median [p25–p75] over interleaved rounds)');
table(
  rows.map(row => ({
    content: row.size,
    'BSP µs/turn': fmtSpread(row.baselineUsPerTurn, 1),
    'triage+BSP µs/turn': fmtSpread(row.triageUsPerTurn, 1),
    'triage adds µs/turn': fmtSpread(row.addedUsPerTurn, 1),
    ratio: fmtSpread(row.ratio),
  })),
);
console.log(`added(50 KB) / added(0.1 KB) = ${fmt(growth)}  (target ≤ 2: ${summary.meetsTarget ? 'met' : 'not met'})`);
writeSummary(args.out, summary);
