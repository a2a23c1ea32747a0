/**
 * (d) Memory: heap held per in-flight turn and per tool latency baseline key.
 * Opens 10,000 turns (root + 3 LLM steps + 2 tool calls, children ended,
 * roots still open) through the triage processor (the built package), then
 * ends 10,000 turns of one call each to a distinct tool; measures the heap
 * after GC against the same workload without triage (the SDK's own spans
 * count in both), in the same process. Last, the open turns are decided: the
 * heap they give back is the in-flight turn state (the target); the rest of
 * the delta per open turn is signal memory that outlives the turn.
 *
 *   npm run build && node --expose-gc --import tsx bench/memory.ts [--quick] [--out file.json]
 */
import { context, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AgentTriageSpanProcessor } from '../dist/index.js';
import { benchArgs, fmt, table, writeSummary } from './lib/measure.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run node with --expose-gc');
const args = benchArgs('memory');
const TURNS = args.quick ? 2000 : 10_000;
const TOOLS = args.quick ? 2000 : 10_000;
const SAMPLES_PER_TOOL = 5;

/** Passes nothing on: we measure what the triage processor holds, not an export queue. */
const discard: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

function provider(triage: boolean): BasicTracerProvider {
  const processor = triage
    ? new AgentTriageSpanProcessor({ next: discard, meterProvider: new MeterProvider(), state: { persistence: false }, maxTurnsInFlight: TURNS + 10 })
    : discard;
  return new BasicTracerProvider({ spanProcessors: [processor] });
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

function openTurn(tracer: Tracer, i: number): Span {
  const root = tracer.startSpan('invoke_agent support-agent', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-agent' } });
  const ctx = trace.setSpan(context.active(), root);
  for (let step = 0; step < 3; step++) {
    const planned = step < 2 ? [{ type: 'tool_call', id: `c${i}_${step}`, name: 'search_orders', arguments: { order_id: i } }] : [{ type: 'text', content: 'done' }];
    tracer
      .startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.output_tokens': 40, 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: planned }]) } }, ctx)
      .end();
    if (step < 2) {
      tracer
        .startSpan('execute_tool search_orders', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search_orders', 'gen_ai.tool.call.id': `c${i}_${step}`, 'gen_ai.tool.call.arguments': `{"order_id":${i}}`, 'gen_ai.tool.call.result': '{"status":"shipped"}' } }, ctx)
        .end();
    }
  }
  return root;
}

/** Heap held by `TURNS` open turns, with the roots kept alive by the caller. */
async function openTurns(triage: boolean): Promise<{ bytes: number; keep: { p: BasicTracerProvider; roots: Span[] } }> {
  // A tick first: the previous run's result is still reachable from the promise it resolved until then.
  await new Promise(resolve => setImmediate(resolve));
  const before = heapAfterGc();
  const p = provider(triage);
  const tracer = p.getTracer('bench');
  const roots: Span[] = [];
  for (let i = 0; i < TURNS; i++) roots.push(openTurn(tracer, i));
  await new Promise(resolve => setImmediate(resolve));
  const bytes = heapAfterGc() - before;
  return { bytes, keep: { p, roots } };
}

/** Heap held after `TOOLS` distinct tools were each called `SAMPLES_PER_TOOL` times in ended turns. */
async function toolBaselines(triage: boolean): Promise<{ bytes: number; keep: unknown }> {
  // A tick first: the previous run's result is still reachable from the promise it resolved until then.
  await new Promise(resolve => setImmediate(resolve));
  const before = heapAfterGc();
  const p = provider(triage);
  const tracer = p.getTracer('bench');
  for (let s = 0; s < SAMPLES_PER_TOOL; s++) {
    for (let i = 0; i < TOOLS; i++) {
      const root = tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
      const ctx = trace.setSpan(context.active(), root);
      tracer.startSpan(`execute_tool tool_${i}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `tool_${i}`, 'gen_ai.tool.call.result': '{"ok":true}' } }, ctx).end();
      root.end();
    }
    await p.forceFlush();
  }
  const bytes = heapAfterGc() - before;
  return { bytes, keep: p };
}

const MiB = 1024 * 1024;
// Baselines first, let go after measuring; the triage runs stay alive together for the total.
const turnsBase = (await openTurns(false)).bytes;
const toolsBase = (await toolBaselines(false)).bytes;
const turnsTriage = await openTurns(true);
const toolsTriage = await toolBaselines(true);
const totalTriage = heapAfterGc();
const stillHeld = [turnsTriage.keep, toolsTriage.keep].length;
// Then the open turns are decided (their roots end): what the heap gives back is the in-flight turn state;
// what stays is signal memory that outlives the turn (e.g. tool_result_mismatch's results per distinct
// arguments, bounded by its maxRemembered), not held per open turn.
for (const root of turnsTriage.keep.roots) root.end();
await turnsTriage.keep.p.forceFlush();
await new Promise(resolve => setImmediate(resolve));
const afterDecided = heapAfterGc();
const inFlightPerTurn = (totalTriage - afterDecided) / TURNS;

const perTurn = (turnsTriage.bytes - turnsBase) / TURNS;
const perKey = (toolsTriage.bytes - toolsBase) / TOOLS;
const together = turnsTriage.bytes - turnsBase + (toolsTriage.bytes - toolsBase);
const summary = {
  bench: 'memory',
  turns: TURNS,
  toolKeys: TOOLS,
  samplesPerTool: SAMPLES_PER_TOOL,
  sdkOnlyBytesPerOpenTurn: turnsBase / TURNS,
  triageBytesPerOpenTurn: perTurn,
  inFlightTurnStateBytesPerTurn: inFlightPerTurn,
  outlivesTurnBytesPerTurn: perTurn - inFlightPerTurn,
  triageBytesPerToolKey: perKey,
  triageMiBForTurnsAndKeys: together / MiB,
  heapUsedMiBAtEnd: totalTriage / MiB,
  runsHeld: stillHeld,
  target: { bytesPerTurnAtMost: 1024, totalMiBBelow: 64 },
  // Per in-flight turn: the state a turn holds while open (given back when it is decided); the whole
  // delta per open turn is printed beside it.
  meetsTarget: inFlightPerTurn <= 1024 && together / MiB < 64,
};
console.log(`(d) memory: heap held by triage after GC, beyond what the SDK alone holds (${TURNS} open turns, ${TOOLS} tool keys)`);
table([
  {
    'triage bytes/open turn': fmt(perTurn, 0),
    'of it in-flight turn state (freed when decided)': fmt(inFlightPerTurn, 0),
    'SDK bytes/open turn': fmt(summary.sdkOnlyBytesPerOpenTurn, 0),
    'triage bytes/tool key': fmt(perKey, 0),
    [`${TURNS} turns + ${TOOLS} keys MiB`]: fmt(summary.triageMiBForTurnsAndKeys, 1),
    target: '≤ 1024 B in-flight state/turn, < 64 MiB',
    met: summary.meetsTarget ? 'yes' : 'no',
  },
]);
writeSummary(args.out, summary);
