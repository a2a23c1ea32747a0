/**
 * `npm run bench`: runs every benchmark, each in its own Node process (the
 * memory bench with --expose-gc), prints their tables, then a compact
 * Markdown table to paste into docs/performance.md, and writes all summaries as one
 * JSON file (default: the OS temp dir; --out <file>). --quick: a smoke run.
 * --only <name,...>: run those benches, keep the others' results from --out.
 * Each bench also runs alone: node --import tsx bench/<name>.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { benchArgs, fmt, writeSummary } from './lib/measure.js';
import type { Spread } from './lib/measure.js';

const args = benchArgs('all');
const BENCHES = [
  { name: 'in-process-overhead', node: [] as string[] },
  { name: 'payload-scaling', node: [] },
  { name: 'gateway-throughput', node: [] },
  { name: 'memory', node: ['--expose-gc'] },
  { name: 'scan-corpus', node: [] },
] as const;

// --only a,b: run these; the other benches' results are kept from the --out file of an earlier run.
const onlyAt = args.argv.indexOf('--only');
const only = onlyAt === -1 ? undefined : (args.argv[onlyAt + 1] ?? '').split(',');
const earlier = only !== undefined && existsSync(args.out) ? (JSON.parse(readFileSync(args.out, 'utf8')) as { benches?: Record<string, unknown> }).benches : undefined;
const dir = mkdtempSync(join(tmpdir(), 'agent-triage-bench-'));
const summaries: Record<string, unknown> = { ...earlier };
try {
  for (const bench of BENCHES.filter(b => only === undefined || only.includes(b.name))) {
    const out = join(dir, `${bench.name}.json`);
    const script = fileURLToPath(new URL(`./${bench.name}.ts`, import.meta.url));
    console.log(`\n== ${bench.name}`);
    const run = spawnSync(process.execPath, [...bench.node, '--import', 'tsx', script, '--out', out, ...(args.quick ? ['--quick'] : [])], { stdio: 'inherit' });
    if (run.status !== 0) {
      console.error(`${bench.name} failed (exit ${run.status})`);
      process.exitCode = 1;
      continue;
    }
    summaries[bench.name] = JSON.parse(readFileSync(out, 'utf8')) as unknown;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const machine = { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}`, quick: args.quick, at: new Date().toISOString() };
console.log(`\n== summary (${machine.cpus} cores, ${machine.cpuModel}, Node ${machine.node}${args.quick ? ', --quick' : ''})\n`);
console.log(compactTable(summaries));
writeSummary(args.out, { machine, benches: summaries });

/** The results as a Markdown table, as docs/performance.md shows them. */
function compactTable(s: Record<string, unknown>): string {
  const rows: string[][] = [];
  const spread = (x: Spread | undefined, digits = 2): string => (x === undefined ? 'n/a' : `${fmt(x.median, digits)} (IQR ${fmt(x.p25, digits)}–${fmt(x.p75, digits)})`);
  type Overhead = { baselineUsPerSpan: Spread; triageUsPerSpan: Spread; ratio: Spread };
  const a = s['in-process-overhead'] as
    | (Overhead & {
        withSerializingExporter?: Overhead;
        withoutSignals?: Overhead;
        withUniqueToolContent?: Overhead;
        budget?: { targetUsPerSpan: number; answerParseUsPerSpan: Spread };
      })
    | undefined;
  if (a) rows.push(['(a) in-process, agent mix, triage+BSP vs BSP', `${fmt(a.baselineUsPerSpan.median)} → ${fmt(a.triageUsPerSpan.median)} µs/span`, spread(a.ratio), 'median ≤ 1.10 (goal 1.05)']);
  const aContext = a?.withSerializingExporter;
  if (aContext) rows.push(['(a) context: exporter serializing OTLP/protobuf', `${fmt(aContext.baselineUsPerSpan.median)} → ${fmt(aContext.triageUsPerSpan.median)} µs/span`, spread(aContext.ratio), '']);
  const bare = a?.withoutSignals;
  if (bare) rows.push(['(a) context: every signal disabled', `${fmt(bare.baselineUsPerSpan.median)} → ${fmt(bare.triageUsPerSpan.median)} µs/span`, spread(bare.ratio), '']);
  const unique = a?.withUniqueToolContent;
  if (unique) rows.push(["(a) context: every tool call's arguments and result new", `${fmt(unique.baselineUsPerSpan.median)} → ${fmt(unique.triageUsPerSpan.median)} µs/span`, spread(unique.ratio), '']);
  const budget = a?.budget;
  if (budget) rows.push(['(a) context: what the target leaves per span, and JSON.parse of the answers alone', `${fmt(budget.targetUsPerSpan)} µs/span; ${spread(budget.answerParseUsPerSpan)} µs/span`, '', '']);
  type Scaling = { rows: { size: string; baselineUsPerTurn: Spread; addedUsPerTurn: Spread }[]; addedGrowth50KBover01KB: number };
  const b = s['payload-scaling'] as (Scaling & { withSerializingExporter?: Scaling; withContentFlattenedFirst?: Scaling }) | undefined;
  if (b) {
    for (const row of b.rows) rows.push([`(b) 3-span turn, ${row.size} content: triage adds`, `${fmt(row.addedUsPerTurn.median, 1)} µs/turn (BSP alone ${fmt(row.baselineUsPerTurn.median, 1)})`, '', '']);
    rows.push(['(b) added(50 KB) / added(0.1 KB)', '', fmt(b.addedGrowth50KBover01KB), '≤ 2']);
    const contexts: [string, Scaling | undefined][] = [
      ['exporter serializing OTLP/protobuf', b.withSerializingExporter],
      ['content flattened first', b.withContentFlattenedFirst],
    ];
    for (const [label, context] of contexts) {
      if (!context) continue;
      const added = context.rows.map(row => `${fmt(row.addedUsPerTurn.median, 1)} (IQR ${fmt(row.addedUsPerTurn.p25, 1)}–${fmt(row.addedUsPerTurn.p75, 1)}) at ${row.size}`).join(', ');
      const large = context.rows[1];
      const ratio = large !== undefined && large.addedUsPerTurn.p25 > 0 ? fmt(context.addedGrowth50KBover01KB) : 'n/a (50 KB: IQR spans 0)';
      rows.push([`(b) context: ${label}, added(50 KB) / added(0.1 KB)`, `triage adds ${added} µs/turn`, ratio, '']);
    }
  }
  const c = s['gateway-throughput'] as
    | {
        results: {
          decisionWaitMs: number;
          gatewaySpansPerSecond: Spread;
          passThroughSpansPerSecond: Spread;
          ratio: Spread;
          gatewayDelayMs: { p50: number; p99: number };
          passThroughDelayMs: { p50: number; p99: number };
          cpu?: { gatewayUsPerSpan: number; passThroughUsPerSpan: number; ratio: number; mainThread: { gatewayUsPerSpan: number; passThroughUsPerSpan: number; ratio: number } };
        }[];
        collector?: { spansPerSecond: number } | { skipped: string };
      }
    | undefined;
  for (const r of c?.results ?? []) {
    rows.push([`(c) gateway vs pass-through, decisionWaitMs ${r.decisionWaitMs}`, `${fmt(r.gatewaySpansPerSecond.median, 0)} vs ${fmt(r.passThroughSpansPerSecond.median, 0)} spans/s`, spread(r.ratio), '≥ 0.8 and ≥ 50,000 spans/s']);
    rows.push([`(c) send → sink delay p50 / p99, decisionWaitMs ${r.decisionWaitMs}`, `gateway ${fmt(r.gatewayDelayMs.p50, 0)} / ${fmt(r.gatewayDelayMs.p99, 0)} ms, pass-through ${fmt(r.passThroughDelayMs.p50, 0)} / ${fmt(r.passThroughDelayMs.p99, 0)} ms`, '', '']);
    if (r.cpu) {
      rows.push([
        `(c) context: CPU per span, every thread (pass-through / gateway), decisionWaitMs ${r.decisionWaitMs}`,
        `gateway ${fmt(r.cpu.gatewayUsPerSpan, 1)} µs, pass-through ${fmt(r.cpu.passThroughUsPerSpan, 1)} µs (a core's worth: ${fmt(1e6 / r.cpu.gatewayUsPerSpan, 0)} vs ${fmt(1e6 / r.cpu.passThroughUsPerSpan, 0)} spans/s); main thread alone ${fmt(r.cpu.mainThread.gatewayUsPerSpan, 1)} vs ${fmt(r.cpu.mainThread.passThroughUsPerSpan, 1)} µs (${fmt(r.cpu.mainThread.ratio)})`,
        fmt(r.cpu.ratio),
        '',
      ]);
    }
  }
  const anchor = c?.collector;
  const first = c?.results[0];
  if (anchor && 'spansPerSecond' in anchor && first) {
    rows.push(['(c) gateway vs the OpenTelemetry Collector (otlp → batch → otlphttp, no triage)', `${fmt(first.gatewaySpansPerSecond.median, 0)} vs ${fmt(anchor.spansPerSecond, 0)} spans/s`, fmt(first.gatewaySpansPerSecond.median / anchor.spansPerSecond), '']);
  } else if (anchor && 'skipped' in anchor) {
    rows.push(['(c) gateway vs the OpenTelemetry Collector', `skipped: ${anchor.skipped}`, '', '']);
  }
  const d = s['memory'] as
    | { turns: number; toolKeys: number; triageBytesPerOpenTurn: number; inFlightTurnStateBytesPerTurn: number; triageBytesPerToolKey: number; triageMiBForTurnsAndKeys: number }
    | undefined;
  if (d) {
    rows.push(['(d) in-flight turn state per open turn (root + 3 LLM + 2 tools), freed when decided', `${fmt(d.inFlightTurnStateBytesPerTurn, 0)} B`, '', '≤ 1 KB']);
    rows.push(['(d) heap per open turn, signal memory that outlives the turn included', `${fmt(d.triageBytesPerOpenTurn, 0)} B`, '', '']);
    rows.push(['(d) heap per tool latency baseline key', `${fmt(d.triageBytesPerToolKey, 0)} B`, '', '']);
    rows.push([`(d) ${d.turns} open turns + ${d.toolKeys} tool keys`, `${fmt(d.triageMiBForTurnsAndKeys, 1)} MiB`, '', '< 64 MiB']);
  }
  const e = s['scan-corpus'] as { rows: { layout: string; spans: number; spansPerSecond: number; maxRssMiB: number }[] } | undefined;
  for (const r of e?.rows ?? []) rows.push([`(e) scan, ${r.spans.toLocaleString('en')} spans, ${r.layout}`, `${fmt(r.spansPerSecond, 0)} spans/s, peak RSS ${fmt(r.maxRssMiB, 0)} MiB`, '', 'peak RSS flat in corpus size']);
  const header = ['Benchmark', 'Result', 'Ratio', 'Target'];
  return [header, header.map(() => '---'), ...rows].map(cells => `| ${cells.join(' | ')} |`).join('\n');
}
