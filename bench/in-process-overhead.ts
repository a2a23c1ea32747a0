/**
 * (a) In-process overhead on the agent mix: triage + BatchSpanProcessor
 * versus BatchSpanProcessor alone, real BasicTracerProvider, no-op exporter.
 * Rounds alternate between the two; each round ends with forceFlush, so work
 * the processors defer is counted. For context (not the target), the same
 * pair again with an exporter that serializes OTLP/protobuf, as a real one does.
 *
 *   npm run build && node --import tsx bench/in-process-overhead.ts [--quick] [--out file.json]
 */
import { MIX_SPANS_PER_TURN, mixTurn } from './lib/agent-mix.js';
import { benchArgs, fmt, fmtSpread, interleaved, spreadOf, table, writeSummary } from './lib/measure.js';
import { benchTracer, timedRound } from './lib/tracers.js';

const args = benchArgs('in-process-overhead');
const TURNS_PER_ROUND = args.quick ? 100 : 500;
const ROUNDS = args.quick ? 6 : 30;
const queue = TURNS_PER_ROUND * MIX_SPANS_PER_TURN * 2;

const baseline = benchTracer(false, queue);
const triaged = benchTracer(true, queue);
const workload = (tracer: Parameters<typeof mixTurn>[0]): void => {
  mixTurn(tracer, 'support-agent');
};
const round = (bench: typeof baseline) => () => timedRound(bench, workload, TURNS_PER_ROUND, MIX_SPANS_PER_TURN);

// Warm up both paths (JIT, baselines past their minimum samples).
await interleaved(round(baseline), round(triaged), 4);
const result = await interleaved(round(baseline), round(triaged), ROUNDS);
const perSpanUs = (ns: number[]): number[] => ns.map(v => v / (TURNS_PER_ROUND * MIX_SPANS_PER_TURN) / 1000);
const ratio = spreadOf(result.ratios);

// Context: with an exporter that serializes, as the stock OTLP exporter does before sending.
const CONTEXT_ROUNDS = args.quick ? 4 : 12;
const baselineSerializing = benchTracer(false, queue, 'protobuf');
const triagedSerializing = benchTracer(true, queue, 'protobuf');
await interleaved(round(baselineSerializing), round(triagedSerializing), 2);
const serializing = await interleaved(round(baselineSerializing), round(triagedSerializing), CONTEXT_ROUNDS);
const summary = {
  bench: 'in-process-overhead',
  workload: 'agent mix: invoke_agent + 3 LLM steps (2 plan two calls) + 4 tool calls + 2 HTTP spans',
  turnsPerRound: TURNS_PER_ROUND,
  rounds: ROUNDS,
  baselineUsPerSpan: spreadOf(perSpanUs(result.baseline)),
  triageUsPerSpan: spreadOf(perSpanUs(result.candidate)),
  ratio,
  target: { medianAtMost: 1.1, goal: 1.05 },
  meetsTarget: ratio.median <= 1.1,
  withSerializingExporter: {
    rounds: CONTEXT_ROUNDS,
    baselineUsPerSpan: spreadOf(perSpanUs(serializing.baseline)),
    triageUsPerSpan: spreadOf(perSpanUs(serializing.candidate)),
    ratio: spreadOf(serializing.ratios),
  },
};
console.log('(a) in-process overhead, triage + BSP vs BSP (median [p25–p75] over interleaved rounds)');
table([
  {
    'BSP µs/span': fmtSpread(summary.baselineUsPerSpan),
    'triage+BSP µs/span': fmtSpread(summary.triageUsPerSpan),
    ratio: fmtSpread(ratio),
    target: '≤ 1.10 (goal 1.05)',
    met: summary.meetsTarget ? 'yes' : `no (${fmt(ratio.median)})`,
  },
]);
const context = summary.withSerializingExporter;
console.log(
  `context, exporter serializing OTLP/protobuf: ${fmt(context.baselineUsPerSpan.median)} → ${fmt(context.triageUsPerSpan.median)} µs/span, ratio ${fmtSpread(context.ratio)}`,
);
writeSummary(args.out, summary);
for (const bench of [baseline, triaged, baselineSerializing, triagedSerializing]) await bench.provider.shutdown();
