/**
 * The throughput anchor: the same OTLP traffic through the real OpenTelemetry Collector
 * (test/collector, built on first use): OTLP/HTTP in, `batch`, OTLP/HTTP out to a sink that
 * counts spans, no triage. Report a gateway's spans/s as a ratio to this, measured in the same run.
 *
 *   npm run bench:collector        (alone: generated agent turns)
 *
 * `collectorThroughput(bodies)` takes pre-encoded OTLP/protobuf ExportTraceServiceRequest bodies.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import protobuf from 'protobufjs';
import { ensureCollector } from '../test/collector/build-collector.js';
import { HEALTHY_TURN, runTurn } from '../test/helpers/scripted-agent.js';

export interface CollectorThroughputOptions {
  /** Times the whole set of bodies is sent in the timed pass (after one untimed warm-up pass). */
  readonly rounds?: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /** Give up after this long. */
  readonly timeoutMs?: number;
}

export interface CollectorThroughput {
  readonly spans: number;
  readonly seconds: number;
  readonly spansPerSecond: number;
}

/** Spans in an ExportTraceServiceRequest, by walking its length-delimited fields (resource_spans → scope_spans → spans). */
export function countSpans(body: Uint8Array): number {
  let count = 0;
  const walk = (bytes: Uint8Array, depth: number): void => {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== 2) {
        reader.skipType(wire);
        continue;
      }
      const length = reader.uint32();
      const start = reader.pos;
      const inner = bytes.subarray(start, start + length);
      if (depth === 0 && field === 1) walk(inner, 1);
      else if (depth === 1 && field === 2) walk(inner, 2);
      else if (depth === 2 && field === 2) count++;
      reader.pos = start + length;
    }
  };
  walk(body, 0);
  return count;
}

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>(resolve => server.close(() => { resolve(); }));
  return port;
}

/** Runs the built Collector on `bodies` and returns the spans per second it passed through. */
export async function collectorThroughput(bodies: readonly Uint8Array[], options: CollectorThroughputOptions = {}): Promise<CollectorThroughput> {
  const rounds = options.rounds ?? 5;
  const concurrency = options.concurrency ?? 8;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const binary = await ensureCollector(line => { console.error(line); });

  let counted = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      counted += countSpans(Buffer.concat(chunks));
      if (waiter !== undefined && counted >= waiter.target) waiter.resolve();
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  const sinkPort = await listen(sink);
  const receiverPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'collector-bench-'));
  const config = join(dir, 'collector.yaml');
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      `        endpoint: 127.0.0.1:${receiverPort}`,
      'processors:',
      '  batch: {}',
      'exporters:',
      '  otlphttp:',
      `    endpoint: http://127.0.0.1:${sinkPort}`,
      '    compression: none',
      'service:',
      '  telemetry:',
      '    metrics:',
      '      level: none',
      '  pipelines:',
      '    traces:',
      '      receivers: [otlp]',
      '      processors: [batch]',
      '      exporters: [otlphttp]',
      '',
    ].join('\n'),
  );
  const collector = spawn(binary, ['--config', `file:${config}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  collector.stderr.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-64 * 1024);
  });
  const exited = new Promise<void>(resolve => collector.once('exit', () => { resolve(); }));
  try {
    const deadline = Date.now() + 30_000;
    while (!log.includes('Everything is ready')) {
      if (collector.exitCode !== null || Date.now() > deadline) throw new Error(`the Collector did not start:\n${log}`);
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    const url = `http://127.0.0.1:${receiverPort}/v1/traces`;
    const perPass = bodies.reduce((total, body) => total + countSpans(body), 0);
    const pass = async (times: number): Promise<void> => {
      const target = counted + perPass * times;
      const arrived = new Promise<void>((resolve, reject) => {
        waiter = { target, resolve };
        setTimeout(() => { reject(new Error(`timed out: ${counted} of ${target} spans arrived`)); }, timeoutMs).unref();
      });
      let next = 0;
      const total = bodies.length * times;
      const worker = async (): Promise<void> => {
        while (next < total) {
          const body = bodies[next++ % bodies.length];
          if (body === undefined) continue;
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`the Collector answered ${response.status}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      await arrived;
    };
    await pass(1);
    const started = process.hrtime.bigint();
    await pass(rounds);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const spans = perPass * rounds;
    return { spans, seconds, spansPerSecond: spans / seconds };
  } finally {
    collector.kill('SIGTERM');
    const killer = setTimeout(() => collector.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    sink.closeAllConnections();
    await new Promise<void>(resolve => sink.close(() => { resolve(); }));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** OTLP/protobuf bodies of `turns` healthy agent turns, `turnsPerBody` to a request, as an SDK exporter sends them. */
export function agentTurnBodies(turns: number, turnsPerBody: number): Uint8Array[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('bench-agent');
  const bodies: Uint8Array[] = [];
  for (let done = 0; done < turns; done += turnsPerBody) {
    for (let i = 0; i < Math.min(turnsPerBody, turns - done); i++) runTurn(tracer, HEALTHY_TURN);
    const body = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    if (body) bodies.push(body);
    exporter.reset();
  }
  return bodies;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bodies = agentTurnBodies(2000, 50);
  const result = await collectorThroughput(bodies);
  console.log(`Collector (otlp → batch → otlphttp, no triage): ${result.spans} spans in ${result.seconds.toFixed(2)} s = ${Math.round(result.spansPerSecond)} spans/s`);
}
