/**
 * (b) Payload scaling: the 3-span turn (root, an LLM step whose answer holds
 * text plus one planned call, one tool call) at 0.1 KB and at 50 KB of content
 * (tool result and answer text), with and without triage, rounds interleaved.
 * Prints what triage adds per turn at each size and the ratio between them.
 * For context (not the target), the same with an exporter that serializes
 * OTLP/protobuf: content strings built by `JSON.stringify` are cons strings in
 * V8, and whoever reads one first flattens it (a copy of the whole string); a
 * no-op exporter never reads them, a real one does. And with the content
 * flattened before the spans are made (no-op exporter): what triage adds then
 * is its own work on the content, without that copy.
 *
 *   npm run build && node --import tsx bench/payload-scaling.ts [--quick] [--out file.json]
 */
import { payloadContent, payloadTurn } from './lib/agent-mix.js';
import type { PayloadContent } from './lib/agent-mix.js';
import { benchArgs, fmt, fmtSpread, interleaved, spreadOf, table, writeSummary } from './lib/measure.js';
import { benchTracer, timedRound } from './lib/tracers.js';
import type { BenchExporter } from './lib/tracers.js';

const args = benchArgs('payload-scaling');
const ROUNDS = args.quick ? 6 : 60;
const SIZES = [{ label: '0.1 KB', bytes: 100, turns: args.quick ? 200 : 1000 }, { label: '50 KB', bytes: 50_000, turns: args.quick ? 40 : 200 }];
const SPANS = 3;
const CONTEXT_ROUNDS = args.quick ? 4 : 12;

async function measure(size: (typeof SIZES)[number], exporter: BenchExporter, rounds: number, flatten = false) {
  const baseline = benchTracer(false, size.turns * SPANS * 2, exporter);
  const triaged = benchTracer(true, size.turns * SPANS * 2, exporter);
  // Each round's content is built before its timing starts, fresh for every
  // turn: building 50 KB of text is the application's work, not the SDK's or
  // triage's, and its garbage was most of the baseline's noise.
  const round = (bench: typeof baseline) => () => {
    const contents = Array.from({ length: size.turns }, () => payloadContent(size.bytes, flatten));
    let turn = 0;
    const workload = (tracer: Parameters<typeof payloadTurn>[0]): void => {
      payloadTurn(tracer, contents[turn++] as PayloadContent);
    };
    return timedRound(bench, workload, size.turns, SPANS);
  };
  await interleaved(round(baseline), round(triaged), 4);
  const r = await interleaved(round(baseline), round(triaged), rounds);
  const perTurnUs = (ns: number[]): number[] => ns.map(v => v / size.turns / 1000);
  const base = perTurnUs(r.baseline);
  const withTriage = perTurnUs(r.candidate);
  await baseline.provider.shutdown();
  await triaged.provider.shutdown();
  return {
    size: size.label,
    contentBytes: size.bytes,
    baselineUsPerTurn: spreadOf(base),
    triageUsPerTurn: spreadOf(withTriage),
    // Per round, so the added cost comes from the same stretch of machine time.
    addedUsPerTurn: spreadOf(withTriage.map((t, i) => t - (base[i] ?? Number.NaN))),
    ratio: spreadOf(r.ratios),
  };
}

type Row = Awaited<ReturnType<typeof measure>>;
const growthOf = (small: Row | undefined, large: Row | undefined): number => (large?.addedUsPerTurn.median ?? Number.NaN) / (small?.addedUsPerTurn.median ?? Number.NaN);

const rows: Row[] = [];
for (const size of SIZES) rows.push(await measure(size, 'noop', ROUNDS));
const contextRows: Row[] = [];
for (const size of SIZES) contextRows.push(await measure(size, 'protobuf', CONTEXT_ROUNDS));
const flattenedRows: Row[] = [];
for (const size of SIZES) flattenedRows.push(await measure(size, 'noop', CONTEXT_ROUNDS, true));
const growth = growthOf(rows[0], rows[1]);
const contextGrowth = growthOf(contextRows[0], contextRows[1]);
const flattenedGrowth = growthOf(flattenedRows[0], flattenedRows[1]);
const summary = {
  bench: 'payload-scaling',
  rounds: ROUNDS,
  rows,
  addedGrowth50KBover01KB: growth,
  target: { addedGrowthAtMost: 2 },
  meetsTarget: growth <= 2,
  withSerializingExporter: { rounds: CONTEXT_ROUNDS, rows: contextRows, addedGrowth50KBover01KB: contextGrowth },
  withContentFlattenedFirst: { rounds: CONTEXT_ROUNDS, rows: flattenedRows, addedGrowth50KBover01KB: flattenedGrowth },
};
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
for (const row of contextRows) {
  console.log(`context, exporter serializing OTLP/protobuf, ${row.size}: BSP ${fmt(row.baselineUsPerTurn.median, 1)} µs/turn, triage adds ${fmtSpread(row.addedUsPerTurn, 1)}`);
}
console.log(`context, exporter serializing OTLP/protobuf: added(50 KB) / added(0.1 KB) = ${growthText(contextRows[1], contextGrowth)}`);
for (const row of flattenedRows) console.log(`context, content flattened first, ${row.size}: triage adds ${fmtSpread(row.addedUsPerTurn, 1)}`);
console.log(`context, content flattened first: added(50 KB) / added(0.1 KB) = ${growthText(flattenedRows[1], flattenedGrowth)}`);
writeSummary(args.out, summary);

/** The ratio, unless what triage adds at 50 KB is not told apart from zero (its IQR spans 0). */
function growthText(large: Row | undefined, growth: number): string {
  return large !== undefined && large.addedUsPerTurn.p25 > 0 ? fmt(growth) : 'n/a: the 50 KB figure is within noise of 0 (IQR spans 0)';
}
