/**
 * (a) In-process overhead on the agent mix: triage + BatchSpanProcessor
 * versus BatchSpanProcessor alone, real BasicTracerProvider, no-op exporter.
 * Rounds alternate between the two; each round ends with forceFlush, so work
 * the processors defer is counted. For context (not the target), the same
 * pair again with an exporter that serializes OTLP/protobuf, as a real one does,
 * the pair with every signal disabled (what the pipeline costs without them),
 * the pair on turns whose tool calls never repeat an argument or result (the
 * mix's tools repeat theirs, and triage digests a content it saw lately only
 * once), and the budget the target leaves per span against one piece of the
 * content work: `JSON.parse` of each LLM step's output messages (where its
 * planned calls are), timed alone.
 *
 *   npm run build && node --import tsx bench/in-process-overhead.ts [--quick] [--out file.json]
 */
import { MIX_SPANS_PER_TURN, mixTurn, recordMixTurns } from './lib/agent-mix.js';
import { benchArgs, fmt, fmtSpread, interleaved, spreadOf, table, writeSummary } from './lib/measure.js';
import { benchTracer, timedRound } from './lib/tracers.js';
import type { BenchTracer } from './lib/tracers.js';

const args = benchArgs('in-process-overhead');
const TURNS_PER_ROUND = args.quick ? 100 : 500;
const ROUNDS = args.quick ? 6 : 30;
const queue = TURNS_PER_ROUND * MIX_SPANS_PER_TURN * 2;

const baseline = benchTracer(false, queue);
const triaged = benchTracer(true, queue);
const workload = (tracer: Parameters<typeof mixTurn>[0]): void => {
  mixTurn(tracer, 'support-agent');
};
const uniqueWorkload = (tracer: Parameters<typeof mixTurn>[0]): void => {
  mixTurn(tracer, 'support-agent', 'none', true);
};
const round = (bench: typeof baseline, work = workload) => () => timedRound(bench, work, TURNS_PER_ROUND, MIX_SPANS_PER_TURN);

const perSpanUs = (ns: number[]): number[] => ns.map(v => v / (TURNS_PER_ROUND * MIX_SPANS_PER_TURN) / 1000);

/** Interleaved rounds of one pair after `warmUp` rounds (JIT, baselines past their minimum samples), per span. */
async function pair(base: BenchTracer, candidate: BenchTracer, warmUp: number, rounds: number, work = workload) {
  await interleaved(round(base, work), round(candidate, work), warmUp);
  const r = await interleaved(round(base, work), round(candidate, work), rounds);
  return { rounds, baselineUsPerSpan: spreadOf(perSpanUs(r.baseline)), triageUsPerSpan: spreadOf(perSpanUs(r.candidate)), ratio: spreadOf(r.ratios) };
}

const main = await pair(baseline, triaged, 4, ROUNDS);
const ratio = main.ratio;

const CONTEXT_ROUNDS = args.quick ? 4 : 12;
// Context: with an exporter that serializes, as the stock OTLP exporter does before sending.
const baselineSerializing = benchTracer(false, queue, 'protobuf');
const triagedSerializing = benchTracer(true, queue, 'protobuf');
const withSerializingExporter = await pair(baselineSerializing, triagedSerializing, 2, CONTEXT_ROUNDS);
// Context: every signal disabled, so the rest of the pipeline (view, digests, assembly, verdict) is what is left.
const triagedNoSignals = benchTracer(true, queue, 'noop', 'off');
const withoutSignals = await pair(baseline, triagedNoSignals, 2, CONTEXT_ROUNDS);
// Context: every tool call's arguments and result new, so no content digest is remembered from an earlier call.
const triagedUnique = benchTracer(true, queue);
const withUniqueToolContent = await pair(baseline, triagedUnique, 2, CONTEXT_ROUNDS, uniqueWorkload);

// Context: the mix's answers (recorded from mix turns, a few with the mix's failures) parsed with JSON.parse alone,
// fresh strings each round (as triage meets them: the instrumentation's JSON.stringify output, flattened by its
// first reader), per span of the mix.
const answerParseUsPerSpan: number[] = [];
let parsed = 0;
for (let r = 0; r < CONTEXT_ROUNDS; r++) {
  const answers = recordMixTurns(TURNS_PER_ROUND)
    .map(span => span.attributes['gen_ai.output.messages'])
    .filter((value): value is string => typeof value === 'string');
  const start = process.hrtime.bigint();
  for (const answer of answers) parsed += (JSON.parse(answer) as unknown[]).length;
  answerParseUsPerSpan.push(Number(process.hrtime.bigint() - start) / (TURNS_PER_ROUND * MIX_SPANS_PER_TURN) / 1000);
}
if (parsed === 0) throw new Error('the mix has no output messages to parse');

const summary = {
  bench: 'in-process-overhead',
  workload: 'agent mix: invoke_agent + 3 LLM steps (2 plan two calls) + 4 tool calls + 2 HTTP spans',
  turnsPerRound: TURNS_PER_ROUND,
  rounds: ROUNDS,
  baselineUsPerSpan: main.baselineUsPerSpan,
  triageUsPerSpan: main.triageUsPerSpan,
  ratio,
  target: { medianAtMost: 1.1, goal: 1.05 },
  meetsTarget: ratio.median <= 1.1,
  withSerializingExporter,
  withoutSignals,
  withUniqueToolContent,
  budget: {
    /** What a ratio of 1.10 leaves per span on top of the baseline. */
    targetUsPerSpan: 0.1 * main.baselineUsPerSpan.median,
    /** JSON.parse of the mix's output messages alone, per span of the mix. */
    answerParseUsPerSpan: spreadOf(answerParseUsPerSpan),
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
const bare = summary.withoutSignals;
console.log(`context, every signal disabled: ${fmt(bare.baselineUsPerSpan.median)} → ${fmt(bare.triageUsPerSpan.median)} µs/span, ratio ${fmtSpread(bare.ratio)}`);
const unique = summary.withUniqueToolContent;
console.log(
  `context, every tool call's arguments and result new: ${fmt(unique.baselineUsPerSpan.median)} → ${fmt(unique.triageUsPerSpan.median)} µs/span, ratio ${fmtSpread(unique.ratio)}`,
);
console.log(
  `context, budget: the 1.10 target leaves ${fmt(summary.budget.targetUsPerSpan)} µs/span; JSON.parse of the mix's output messages alone takes ${fmtSpread(summary.budget.answerParseUsPerSpan)} µs/span`,
);
writeSummary(args.out, summary);
for (const bench of [baseline, triaged, baselineSerializing, triagedSerializing, triagedNoSignals, triagedUnique]) await bench.provider.shutdown();
