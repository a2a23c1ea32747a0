/**
 * (c) Gateway throughput: pre-encoded OTLP/protobuf requests (mix turns from
 * the real SDK, encoded by the real ProtobufTraceSerializer) posted over
 * loopback on 4 keep-alive connections to (1) the real `agent-triage gateway`
 * CLI with triage on and (2) a minimal protobufjs pass-through, each in its
 * own child process, both forwarding to a counting sink here. A round's time
 * runs until the sink has every span. Rounds alternate between the two. Also
 * the delay from a request's send to each of its spans' arrival at the sink,
 * at two `triage.decisionWaitMs` settings. Where `/proc` is there (Linux),
 * also the CPU time each server process used per span over its rounds (every
 * thread: V8's compiler and garbage collector too), which the other processes
 * on the machine (this one's sender and sink) do not move as they move rates.
 *
 *   npm run build && node --import tsx bench/gateway-throughput.ts [--quick] [--out file.json]
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { collectorThroughput } from './collector-throughput.js';
import type { CollectorThroughput } from './collector-throughput.js';
import { MIX_SPANS_PER_TURN, recordMixTurns } from './lib/agent-mix.js';
import { benchArgs, fmt, fmtSpread, quantile, spreadOf, table, writeSummary } from './lib/measure.js';
import { decodeTraceRequest, spanTraceIds } from './lib/otlp-trace-proto.mjs';

const args = benchArgs('gateway-throughput');
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const PASS_THROUGH = fileURLToPath(new URL('./lib/pass-through.mjs', import.meta.url));
const TURNS_PER_REQUEST = 8;
const SPANS_PER_REQUEST = TURNS_PER_REQUEST * MIX_SPANS_PER_TURN;
const REQUESTS_PER_ROUND = args.quick ? 150 : 600;
const ROUNDS = args.quick ? 2 : 7;
/** Requests sent to each before the timed rounds: the gateway's code is large, and V8 optimises it over about a round's worth. */
const WARM_UP_REQUESTS = REQUESTS_PER_ROUND;
const CONNECTIONS = 4;
const DECISION_WAITS_MS = [0, 1000];

interface Request {
  readonly body: Uint8Array;
  readonly traceIds: readonly string[];
}

function encodeRequests(count: number): Request[] {
  const requests: Request[] = [];
  for (let i = 0; i < count; i++) {
    const spans = recordMixTurns(TURNS_PER_REQUEST);
    const body = ProtobufTraceSerializer.serializeRequest(spans);
    if (body === undefined) throw new Error('serializer returned nothing');
    requests.push({ body, traceIds: [...new Set(spans.map(s => s.spanContext().traceId))] });
  }
  return requests;
}

/** Counts spans in what it receives (protobuf or JSON) and stamps each trace's span arrivals. */
class CountingSink {
  private expected = 0;
  private counted = 0;
  private done: (() => void) | undefined;
  readonly arrivals = new Map<string, number[]>();
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks);
      const ids = (req.headers['content-type'] ?? '').includes('json') ? jsonTraceIds(body) : spanTraceIds(decodeTraceRequest(body));
      for (const id of ids) {
        const list = this.arrivals.get(id);
        if (list === undefined) this.arrivals.set(id, [at]);
        else list.push(at);
      }
      this.counted += ids.length;
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end((req.headers['content-type'] ?? '').includes('json') ? '{}' : undefined);
      if (this.counted >= this.expected) this.done?.();
    });
  });

  expect(spans: number): Promise<void> {
    this.expected = spans;
    this.counted = 0;
    this.arrivals.clear();
    return new Promise(resolve => (this.done = resolve));
  }

  get count(): number {
    return this.counted;
  }
}

function jsonTraceIds(body: Buffer): string[] {
  const request = JSON.parse(body.toString('utf8')) as { resourceSpans?: { scopeSpans?: { spans?: { traceId: string }[] }[] }[] };
  return (request.resourceSpans ?? []).flatMap(rs => (rs.scopeSpans ?? []).flatMap(ss => (ss.spans ?? []).map(s => s.traceId)));
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The last of what the children wrote on stderr, to print when a round stalls. */
const childLogs = new Map<string, string>();

/** Starts a child that prints `listening on <url>` on stderr; resolves with the url. */
function startChild(argv: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  const name = argv.join(' ');
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text = (text + chunk).slice(-4000);
      childLogs.set(name, text);
      const match = /listening on (http:\/\/[^\s)]+)/.exec(text);
      if (match?.[1] !== undefined) resolve({ child, url: match[1] });
    });
    child.on('exit', code => {
      reject(new Error(`child exited ${String(code)}: ${text}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise(resolve => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

/**
 * Posts once; a reused keep-alive socket the server closed meanwhile (ECONNRESET) is retried by the caller.
 */
function post(url: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, res => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Round {
  readonly seconds: number;
  readonly delaysMs: number[];
  readonly retries: number;
  /** CPU time the server process used during the round, every thread and its main thread alone; undefined without `/proc`. */
  readonly cpuMs: { all: number; main: number } | undefined;
}

/** Clock ticks per second of `/proc/<pid>/stat`'s CPU times (100 on Linux unless configured otherwise). */
const CLOCK_TICKS = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User plus system CPU time in a `/proc` stat file, in ms. */
function cpuMsIn(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 (state): utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** CPU time of every thread of `child` and of its main thread, in ms; undefined where `/proc` is not there. */
function cpuMsOf(child: ChildProcess): { all: number; main: number } | undefined {
  try {
    const pid = String(child.pid);
    return { all: cpuMsIn(`/proc/${pid}/stat`), main: cpuMsIn(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/** A {@link round} with the server process's CPU time over it. */
async function measuredRound(server: { child: ChildProcess; url: string }, requests: readonly Request[], sink: CountingSink): Promise<Round> {
  const before = cpuMsOf(server.child);
  const timed = await round(server.url, requests, sink);
  const after = cpuMsOf(server.child);
  return { ...timed, cpuMs: before !== undefined && after !== undefined ? { all: after.all - before.all, main: after.main - before.main } : undefined };
}

/** Posts every request on `CONNECTIONS` connections, waits until the sink has every span. */
async function round(url: string, requests: readonly Request[], sink: CountingSink): Promise<Omit<Round, 'cpuMs'>> {
  const all = sink.expect(requests.length * SPANS_PER_REQUEST);
  const sentAt = new Map<string, number>();
  let next = 0;
  let retries = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++] as Request;
      const at = performance.now();
      for (const id of request.traceIds) sentAt.set(id, at);
      for (;;) {
        let status: number;
        try {
          status = await post(url, request.body);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET' || retries > 100) throw error;
          retries++;
          continue;
        }
        if (status === 200) break;
        if (status !== 503 && status !== 429) throw new Error(`${url} answered ${status}`);
        retries++;
        await new Promise(resolve => {
          setTimeout(resolve, 20);
        });
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const timeout = setTimeout(() => {
    console.error(`still waiting: sink has ${sink.count} of ${requests.length * SPANS_PER_REQUEST} spans; the children's stderr:`);
    for (const [name, log] of childLogs) console.error(`--- ${name}\n${log}`);
  }, 60_000);
  await all;
  clearTimeout(timeout);
  const seconds = (performance.now() - start) / 1000;
  const delaysMs: number[] = [];
  for (const [id, arrivals] of sink.arrivals) {
    const sent = sentAt.get(id);
    if (sent !== undefined) for (const at of arrivals) delaysMs.push(at - sent);
  }
  return { seconds, delaysMs, retries };
}

const dir = mkdtempSync(join(tmpdir(), 'agent-triage-bench-gateway-'));
const sink = new CountingSink();
// Idle keep-alive sockets stay open between rounds: a forwarder must not meet a socket the sink is closing.
sink.server.keepAliveTimeout = 10 * 60_000;
const sinkUrl = await listen(sink.server);
const passThrough = await startChild([PASS_THROUGH, `${sinkUrl}/v1/traces`]);
const results = [];
try {
  for (const decisionWaitMs of DECISION_WAITS_MS) {
    const config = join(dir, `gateway-${decisionWaitMs}.yaml`);
    writeFileSync(
      config,
      [
        'listen: 127.0.0.1:0',
        'limits: { maxQueueSpans: 2000000, maxRequestBytes: 16777216 }',
        `forward: { endpoint: "${sinkUrl}/v1/traces", maxBatchSpans: 512, flushIntervalMs: 10 }`,
        'metrics: { prometheus: false }',
        `triage: { decisionWaitMs: ${decisionWaitMs}, statePath: false, maxTurnsInFlight: 100000 }`,
        '',
      ].join('\n'),
    );
    const gateway = await startChild([CLI, 'gateway', '--config', config]);
    try {
      const warm = encodeRequests(WARM_UP_REQUESTS);
      const gatewayRounds: Round[] = [];
      const passRounds: Round[] = [];
      // Encoded before the first round: a pause between rounds would let servers close idle keep-alive sockets.
      const perRound = Array.from({ length: ROUNDS }, () => encodeRequests(REQUESTS_PER_ROUND));
      const warmGateway = encodeRequests(WARM_UP_REQUESTS);
      await round(passThrough.url, warm, sink);
      await round(gateway.url, warmGateway, sink);
      for (let r = 0; r < ROUNDS; r++) {
        const requests = perRound[r] ?? [];
        // Alternate which goes first; each gets the same requests (the gateway never saw them).
        const order = r % 2 === 0 ? ['pass', 'gateway'] : ['gateway', 'pass'];
        for (const which of order) {
          if (which === 'pass') passRounds.push(await measuredRound(passThrough, requests, sink));
          else gatewayRounds.push(await measuredRound(gateway, requests, sink));
        }
      }
      const spans = REQUESTS_PER_ROUND * SPANS_PER_REQUEST;
      const rate = (rounds: Round[]): number[] => rounds.map(r => spans / r.seconds);
      const delays = (rounds: Round[]): number[] => rounds.flatMap(r => r.delaysMs);
      const gatewayDelays = delays(gatewayRounds);
      const passDelays = delays(passRounds);
      /** CPU µs per span over every round (every thread, or the main thread alone), undefined without `/proc`. */
      const cpuUsPerSpan = (rounds: Round[], thread: 'all' | 'main'): number | undefined =>
        rounds.every(r => r.cpuMs !== undefined) ? (rounds.reduce((sum, r) => sum + (r.cpuMs?.[thread] ?? 0), 0) * 1000) / (spans * rounds.length) : undefined;
      const gatewayCpu = cpuUsPerSpan(gatewayRounds, 'all');
      const passCpu = cpuUsPerSpan(passRounds, 'all');
      const gatewayMainCpu = cpuUsPerSpan(gatewayRounds, 'main') ?? Number.NaN;
      const passMainCpu = cpuUsPerSpan(passRounds, 'main') ?? Number.NaN;
      results.push({
        decisionWaitMs,
        spansPerRound: spans,
        rounds: ROUNDS,
        gatewaySpansPerSecond: spreadOf(rate(gatewayRounds)),
        passThroughSpansPerSecond: spreadOf(rate(passRounds)),
        ratio: spreadOf(gatewayRounds.map((g, i) => (passRounds[i]?.seconds ?? Number.NaN) / g.seconds)),
        gatewayDelayMs: { p50: quantile(gatewayDelays, 0.5), p99: quantile(gatewayDelays, 0.99) },
        passThroughDelayMs: { p50: quantile(passDelays, 0.5), p99: quantile(passDelays, 0.99) },
        addedDelayMs: { p50: quantile(gatewayDelays, 0.5) - quantile(passDelays, 0.5), p99: quantile(gatewayDelays, 0.99) - quantile(passDelays, 0.99) },
        retries: { gateway: gatewayRounds.reduce((n, r) => n + r.retries, 0), passThrough: passRounds.reduce((n, r) => n + r.retries, 0) },
        // Context: CPU per span of each process over its rounds; the pass-through's over the gateway's is the rate ratio CPU alone would give.
        cpu:
          gatewayCpu !== undefined && passCpu !== undefined
            ? {
                gatewayUsPerSpan: gatewayCpu,
                passThroughUsPerSpan: passCpu,
                ratio: passCpu / gatewayCpu,
                mainThread: { gatewayUsPerSpan: gatewayMainCpu, passThroughUsPerSpan: passMainCpu, ratio: passMainCpu / gatewayMainCpu },
              }
            : undefined,
      });
    } finally {
      await stopChild(gateway.child);
    }
  }
} finally {
  await stopChild(passThrough.child);
  sink.server.close();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
/**
 * The OpenTelemetry Collector (test/collector, built on first use: needs Go) on the same
 * traffic, OTLP in, `batch`, OTLP out, no triage: the anchor users compare a gateway with.
 */
async function collectorAnchor(): Promise<CollectorThroughput | { skipped: string }> {
  try {
    return await collectorThroughput(encodeRequests(REQUESTS_PER_ROUND).map(r => r.body), { rounds: ROUNDS, concurrency: CONNECTIONS });
  } catch (error) {
    return { skipped: (error as Error).message.split('\n')[0] ?? 'failed' };
  }
}
const collector = await collectorAnchor();
const main = results[0];
const summary = {
  bench: 'gateway-throughput',
  spansPerRequest: SPANS_PER_REQUEST,
  connections: CONNECTIONS,
  results,
  collector,
  target: { ratioAtLeast: 0.8, spansPerSecondAtLeast: 50_000 },
  meetsTarget: main !== undefined && main.ratio.median >= 0.8 && main.gatewaySpansPerSecond.median >= 50_000,
};
console.log(`(c) gateway vs protobufjs pass-through, ${SPANS_PER_REQUEST}-span protobuf requests, ${CONNECTIONS} keep-alive connections (median [p25–p75])`);
table(
  results.map(r => ({
    decisionWaitMs: String(r.decisionWaitMs),
    'gateway spans/s': fmtSpread(r.gatewaySpansPerSecond, 0),
    'pass-through spans/s': fmtSpread(r.passThroughSpansPerSecond, 0),
    ratio: fmtSpread(r.ratio),
    'delay p50/p99 ms gateway': `${fmt(r.gatewayDelayMs.p50, 0)} / ${fmt(r.gatewayDelayMs.p99, 0)}`,
    'delay p50/p99 ms pass-through': `${fmt(r.passThroughDelayMs.p50, 0)} / ${fmt(r.passThroughDelayMs.p99, 0)}`,
  })),
);
if ('skipped' in collector) {
  console.log(`Collector anchor skipped: ${collector.skipped}`);
} else {
  const gatewayRate = main?.gatewaySpansPerSecond.median ?? Number.NaN;
  console.log(
    `Collector anchor (otlp → batch → otlphttp, no triage): ${fmt(collector.spansPerSecond, 0)} spans/s; ` +
      `gateway (decisionWaitMs ${main?.decisionWaitMs ?? 0}) / Collector = ${fmt(gatewayRate / collector.spansPerSecond)}`,
  );
}
for (const r of results) {
  if (r.cpu === undefined) continue;
  console.log(
    `context, CPU per span (every thread), decisionWaitMs ${r.decisionWaitMs}: gateway ${fmt(r.cpu.gatewayUsPerSpan, 1)} µs, ` +
      `pass-through ${fmt(r.cpu.passThroughUsPerSpan, 1)} µs; pass-through / gateway = ${fmt(r.cpu.ratio)}; ` +
      `a core's worth: ${fmt(1e6 / r.cpu.gatewayUsPerSpan, 0)} vs ${fmt(1e6 / r.cpu.passThroughUsPerSpan, 0)} spans/s; ` +
      `main thread alone: ${fmt(r.cpu.mainThread.gatewayUsPerSpan, 1)} vs ${fmt(r.cpu.mainThread.passThroughUsPerSpan, 1)} µs (${fmt(r.cpu.mainThread.ratio)})`,
  );
}
console.log('targets: ratio ≥ 0.8 and ≥ 50,000 spans/s');
writeSummary(args.out, summary);
