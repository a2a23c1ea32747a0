/**
 * Soak: steady mixed agent traffic for N minutes (default 10) through an
 * in-process provider with the triage processor, exported over OTLP/protobuf
 * to a gateway in a child process, which forwards to a backend in this
 * process. Every 30 s a heap and RSS line for both processes; at the end the
 * heap slope after warm-up, the counts, and whether any span was lost.
 *
 *   npm run soak [-- --minutes N]
 *
 * Lost/duplicated is checked without keeping ids (which would grow the heap
 * being measured): the backend must receive as many spans as the app ended,
 * with the same sum of span ids modulo 2^64.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { decodeTraceRequestProto } from '../src/gateway/otlp-proto.js';
import { AgentTriageSpanProcessor } from '../src/index.js';
import { runTurn } from '../test/helpers/scripted-agent.js';
import type { TurnScript } from '../test/helpers/scripted-agent.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, 'turns-per-second': { type: 'string', default: '20' } } });
const args = z.object({ minutes: z.coerce.number().positive(), turnsPerSecond: z.coerce.number().int().positive() }).parse({ minutes: values.minutes, turnsPerSecond: values['turns-per-second'] });
const DURATION_MS = args.minutes * 60_000;
const SAMPLE_MS = 30_000;
/**
 * Warm-up: the processor keeps decided traces for late spans until
 * orphanTimeoutMs (5 min), so its memory grows for the first 5 minutes by
 * design; the slope is taken after 6 minutes (or the last 80% of a shorter run).
 */
const WARMUP_S = DURATION_MS > 450_000 ? 360 : (DURATION_MS / 1000) * 0.2;
const MASK = (1n << 64n) - 1n;

/** Count and id sum of a stream of spans. */
class Tally {
  count = 0;
  sum = 0n;
  add(spanIdHex: string): void {
    this.count++;
    this.sum = (this.sum + BigInt(`0x${spanIdHex}`)) & MASK;
  }
}
const sent = new Tally();
const delivered = new Tally();

// The backend: OTLP/HTTP protobuf (what the gateway forwards), tallied.
const backend = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const request = decodeTraceRequestProto(Buffer.concat(chunks)) as { resourceSpans?: { scopeSpans?: { spans?: { spanId: string }[] }[] }[] };
    for (const rs of request.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) delivered.add(s.spanId);
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
backend.listen(0, '127.0.0.1');
await once(backend, 'listening');
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/v1/traces`;

const stateDir = mkdtempSync(join(tmpdir(), 'agent-triage-soak-'));
const gatewayConfig = { listen: '127.0.0.1:0', forward: { endpoint: backendUrl }, triage: { statePath: join(stateDir, 'gateway-state.json'), decisionWaitMs: 2000 } };
const child: ChildProcess = fork(new URL('./soak-gateway.ts', import.meta.url), [JSON.stringify(gatewayConfig)], { execArgv: ['--expose-gc', '--import', 'tsx'], env: { PATH: process.env['PATH'] } });
const [ready] = (await once(child, 'message')) as [{ kind: string; url: string }];

interface GatewayStats {
  memory: NodeJS.MemoryUsage;
  received: number;
  forwardedOk: number;
  forwardedFailed: number;
  rejected: number;
}
function gatewayStats(): Promise<GatewayStats> {
  return new Promise(resolve => {
    const onMessage = (message: { kind: string } & GatewayStats) => {
      if (message.kind !== 'memory') return;
      child.off('message', onMessage);
      resolve(message);
    };
    child.on('message', onMessage);
    child.send({ kind: 'memory' });
  });
}

/** Counts every span the triage processor hands on, then exports it. */
function tallying(next: SpanProcessor): SpanProcessor {
  return {
    onStart: (span, ctx) => {
      next.onStart(span, ctx);
    },
    onEnd: (span: ReadableSpan) => {
      sent.add(span.spanContext().spanId);
      next.onEnd(span);
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}

const exporter = new OTLPTraceExporter({ url: `${ready.url}/v1/traces` });
const processor = new AgentTriageSpanProcessor({
  next: tallying(new BatchSpanProcessor({ exporter, maxQueueSize: 65_536, maxExportBatchSize: 512, scheduledDelayMillis: 200 })),
  state: { path: join(stateDir, 'process-state.json'), flushIntervalMs: 30_000 },
});
const provider = new TracerProvider({ spanProcessors: [processor] });
const tracer = provider.getTracer('soak-agent');

const SCRIPTS: TurnScript[] = [
  { agent: 'support', steps: [{ llm: { toolCalls: [{ id: 'a', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'a', result: { ok: true } } }, { llm: { text: 'done' } }] },
  { agent: 'support', steps: [{ llm: { text: 'hello' } }] },
  { agent: 'billing', steps: [{ llm: { toolCalls: [{ id: 'b', name: 'refund' }] } }, { tool: { name: 'refund', id: 'b', fail: 'card declined' } }, { llm: { text: 'sorry' } }] },
  { agent: 'billing', steps: [{ llm: { fail: { httpStatus: 503 } } }] },
  { agent: 'search', steps: [{ llm: { toolCalls: [{ id: 'c', name: 'web' }] } }, { llm: { text: 'skipped it' } }] },
];

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const samples: { t: number; appHeap: number; gatewayHeap: number }[] = [];
const started = Date.now();
let turns = 0;
console.log(`soak: ${args.minutes} min, ${args.turnsPerSecond} turns/s, gateway ${ready.url} (pid ${child.pid ?? '?'}), backend ${backendUrl}`);

/** Retained heap, not garbage: both processes run with --expose-gc and collect before each sample. */
const gc = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

async function sample(): Promise<void> {
  gc();
  const app = process.memoryUsage();
  const gw = await gatewayStats();
  const t = (Date.now() - started) / 1000;
  samples.push({ t, appHeap: app.heapUsed, gatewayHeap: gw.memory.heapUsed });
  console.log(
    `t=${t.toFixed(0).padStart(4)} s  app heap ${mb(app.heapUsed)} MB rss ${mb(app.rss)} MB | gateway heap ${mb(gw.memory.heapUsed)} MB rss ${mb(gw.memory.rss)} MB | ` +
      `turns ${turns}, spans ended ${sent.count}, gateway received ${gw.received}, forwarded ${gw.forwardedOk}, backend ${delivered.count}`,
  );
}

const tick = setInterval(() => {
  for (let i = 0; i < args.turnsPerSecond / 10; i++) {
    runTurn(tracer, SCRIPTS[turns % SCRIPTS.length] as TurnScript);
    turns++;
  }
}, 100);
const sampler = setInterval(() => void sample(), SAMPLE_MS);
await sample();
await new Promise(resolve => setTimeout(resolve, DURATION_MS));
clearInterval(tick);
clearInterval(sampler);
await sample();

// Drain: the app flushes to the gateway, the gateway flushes on SIGTERM.
await provider.shutdown();
const final = await gatewayStats();
const exited = once(child, 'exit');
child.kill('SIGTERM');
await exited;
await new Promise(resolve => backend.close(resolve));

/** Least-squares slope in MB per minute over the samples after warm-up. */
function slope(points: { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return (num / den) * 60 / 2 ** 20;
}
const after = samples.filter(s => s.t >= WARMUP_S);
const lost = sent.count - delivered.count;
const exact = lost === 0 && sent.sum === delivered.sum;
console.log(`soak result after ${args.minutes} min (${turns} turns):`);
console.log(`  heap slope after ${WARMUP_S.toFixed(0)} s of warm-up (${after.length} samples): app ${slope(after.map(s => ({ t: s.t, y: s.appHeap }))).toFixed(2)} MB/min, gateway ${slope(after.map(s => ({ t: s.t, y: s.gatewayHeap }))).toFixed(2)} MB/min`);
console.log(`  spans: ended in the app ${sent.count}, received by the gateway ${final.received}, forwarded ${final.forwardedOk}, failed ${final.forwardedFailed}, refused ${final.rejected} (gateway counts before its drain), at the backend ${delivered.count} (after the drain)`);
console.log(`  lost: ${exact ? 'none (counts and id sums match)' : `${lost} spans${lost === 0 ? ' (id sums differ: some lost and some duplicated)' : ''}`}`);
process.exit(exact ? 0 : 1);
