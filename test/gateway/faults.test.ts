import { DiagLogLevel, diag } from '@opentelemetry/api';
import { get } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Gateway, GatewayConfigInput } from '../../src/gateway/index.js';
import { FaultBackend, post } from '../helpers/fault-backend.js';
import type { BackendMode } from '../helpers/fault-backend.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { startTestGateway } from '../helpers/gateway.js';

/**
 * Backend faults against a live gateway, in simulated time: the gateway's,
 * the processor's and the backend's timers are faked, sockets are real. Each
 * step advances the clock, then lets real I/O run (setImmediate is not faked).
 */
const STEP_MS = 100;
const UP: BackendMode = { kind: 'up' };

let gateway: Gateway | undefined;
let backend: FaultBackend | undefined;
afterEach(async () => {
  vi.useRealTimers();
  diag.disable();
  await gateway?.shutdown();
  await backend?.close();
  gateway = undefined;
  backend = undefined;
});

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve));
}

async function queueSize(g: Gateway): Promise<number> {
  const { text } = await fetchText(`${g.url}/metrics`);
  return Number(/^agent_triage_gateway_queue_size(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

function fetchText(url: string): Promise<{ text: string }> {
  return new Promise((resolve, reject) => {
    get(url, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ text });
      });
    }).on('error', reject);
  });
}

interface Figures {
  accepted: number;
  refused: number;
  forwarded: number;
  duplicates: number;
  lost: number;
  retried: number;
  queuePeak: number;
  heapPeakMb: number;
  drainedAtS: number;
  retryAfterHeaders: Set<string | undefined>;
}

/**
 * Sends one healthy turn per step for `trafficMs` while `timeline` sets the
 * backend's behaviour, then waits (simulated) for the queue to drain.
 */
async function runFault(timeline: (ms: number) => BackendMode, trafficMs: number, config: GatewayConfigInput = {}): Promise<Figures & { acceptedIds: string[] }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: Date.UTC(2027, 0, 4) });
  backend = await FaultBackend.start();
  gateway = await startTestGateway({ ...config, forward: { endpoint: backend.url, ...config.forward } });
  const figures: Figures & { acceptedIds: string[] } = {
    accepted: 0,
    refused: 0,
    forwarded: 0,
    duplicates: 0,
    lost: 0,
    retried: 0,
    queuePeak: 0,
    heapPeakMb: 0,
    drainedAtS: Number.NaN,
    retryAfterHeaders: new Set(),
    acceptedIds: [],
  };
  const heapAtStart = process.memoryUsage().heapUsed;
  let mode: BackendMode = UP;
  const LIMIT_MS = 15 * 60_000;
  for (let ms = 0; ms <= LIMIT_MS; ms += STEP_MS) {
    const next = timeline(ms);
    if (next !== mode) {
      mode = next;
      await backend.set(mode);
    }
    if (ms < trafficMs) {
      const spans = recordSpans(tracer => runTurn(tracer, HEALTHY_TURN));
      const res = await post(`${gateway.url}/v1/traces`, toOtlpJson(spans));
      if (res.status === 200) {
        figures.accepted += spans.length;
        figures.acceptedIds.push(...spans.map(s => s.spanContext().spanId));
      } else {
        expect(res.status).toBe(503);
        expect(res.text).toContain('queue is full');
        figures.refused += spans.length;
        figures.retryAfterHeaders.add(res.retryAfter);
      }
    }
    await vi.advanceTimersByTimeAsync(STEP_MS);
    await settle();
    if (ms % 1000 === 0) {
      const queued = await queueSize(gateway);
      figures.queuePeak = Math.max(figures.queuePeak, queued);
      figures.heapPeakMb = Math.max(figures.heapPeakMb, (process.memoryUsage().heapUsed - heapAtStart) / 2 ** 20);
      // Done: traffic over, the backend's script played out, every span decided and forwarded.
      if (ms >= trafficMs && timeline(ms) === timeline(LIMIT_MS) && queued === 0) {
        figures.drainedAtS = ms / 1000;
        break;
      }
    }
  }
  figures.forwarded = new Set(backend.delivered).size;
  figures.duplicates = backend.delivered.length - figures.forwarded;
  figures.lost = gateway.metrics.forwarded.get(['otlp', 'failed']);
  figures.retried = gateway.metrics.retried.get(['otlp']);
  vi.useRealTimers();
  return figures;
}

/** The figure line (docs/gateway.md, Backend outages) for a fault. */
function report(name: string, f: Figures): void {
  console.info(
    `FAULT ${name}: accepted ${f.accepted}, refused ${f.refused} (503), forwarded ${f.forwarded}, duplicates ${f.duplicates}, lost ${f.lost}, ` +
      `retried ${f.retried}, queue peak ${f.queuePeak}, heap growth at peak ${f.heapPeakMb.toFixed(0)} MB, drained at ${f.drainedAtS} s`,
  );
}

function expectNothingLost(f: Figures & { acceptedIds: string[] }, delivered: readonly string[]): void {
  expect(f.lost).toBe(0);
  expect(f.duplicates).toBe(0);
  expect([...delivered].sort()).toEqual([...f.acceptedIds].sort());
  expect(Number.isNaN(f.drainedAtS)).toBe(false);
}

const TRAFFIC_MS = 90_000;

// Each test replays minutes of simulated traffic step by step: seconds of real time, more on a busy machine.
describe('gateway under backend faults (simulated time)', { timeout: 120_000 }, () => {
  it('loses nothing when the backend refuses connections for 60 s, then resumes on its own', async () => {
    const f = await runFault(ms => (ms >= 10_000 && ms < 70_000 ? { kind: 'refuse' } : UP), TRAFFIC_MS);
    report('refused connections 60 s', f);
    expectNothingLost(f, backend?.delivered ?? []);
    expect(f.refused).toBe(0);
    expect(f.retried).toBeGreaterThan(0);
  });

  it('honours Retry-After from 503 and 429 answers and loses nothing', async () => {
    const timeline = (ms: number): BackendMode =>
      ms >= 10_000 && ms < 30_000
        ? { kind: 'status', status: 503, retryAfterSeconds: 7 }
        : ms >= 30_000 && ms < 50_000
          ? { kind: 'status', status: 429, retryAfterSeconds: 11 }
          : UP;
    const f = await runFault(timeline, TRAFFIC_MS);
    report('503 then 429 with Retry-After, 40 s', f);
    expectNothingLost(f, backend?.delivered ?? []);
    // The same batch is never sent again sooner than the backend asked.
    const byBody = new Map<string, number[]>();
    for (const a of backend?.attempts ?? []) byBody.set(a.body, [...(byBody.get(a.body) ?? []), a.at]);
    const gaps = [...byBody.values()].flatMap(times => times.slice(1).map((t, i) => t - (times[i] ?? t)));
    expect(gaps.length).toBeGreaterThan(0);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(7000);
  });

  it('waits for a backend that answers after 30 s (timeout above it) and loses nothing', async () => {
    const f = await runFault(ms => (ms < 60_000 ? { kind: 'slow', delayMs: 30_000 } : UP), TRAFFIC_MS, { forward: { timeoutMillis: 45_000 } });
    report('answers after 30 s for 60 s', f);
    expectNothingLost(f, backend?.delivered ?? []);
  });

  it('retries a backend that times out (answers after 30 s, timeout 10 s) and counts nothing lost once it answers in time', async () => {
    const f = await runFault(ms => (ms < 60_000 ? { kind: 'slow', delayMs: 30_000 } : UP), TRAFFIC_MS);
    report('answers after 30 s, timeout 10 s, 60 s', f);
    // Timed-out requests were abandoned by the gateway before the backend answered: it never delivered them.
    expectNothingLost(f, backend?.delivered ?? []);
    expect(f.retried).toBeGreaterThan(0);
  });

  it('loses nothing through a backend that flaps every 5 s for 2 minutes', async () => {
    const timeline = (ms: number): BackendMode => {
      if (ms >= 130_000) return UP;
      const phase = Math.floor(ms / 5000) % 3;
      return phase === 0 ? UP : phase === 1 ? { kind: 'refuse' } : { kind: 'status', status: 503, retryAfterSeconds: 1 };
    };
    const f = await runFault(timeline, 120_000);
    report('flapping (up / refused / 503) every 5 s, 2 min', f);
    expectNothingLost(f, backend?.delivered ?? []);
  });

  it('keeps memory to the configured queue: refuses with 503 + Retry-After when full, counts what it refused, and resumes', async () => {
    const f = await runFault(ms => (ms >= 5000 && ms < 65_000 ? { kind: 'refuse' } : UP), TRAFFIC_MS, { limits: { maxQueueSpans: 1000, retryAfterSeconds: 3 } });
    report('refused 60 s, queue of 1000 spans', f);
    expectNothingLost(f, backend?.delivered ?? []);
    expect(f.queuePeak).toBeLessThanOrEqual(1000);
    expect(f.refused).toBeGreaterThan(0);
    expect([...f.retryAfterHeaders]).toEqual(['3']);
    expect(gateway?.metrics.rejectedSpans.get(['queue_full'])).toBe(f.refused);
    expect(gateway?.metrics.rejectedRequests.get(['queue_full'])).toBeGreaterThan(0);
    // Ready again once drained.
    expect(gateway?.ready).toBe(true);
  });

  it('counts lost what still fails when the retry window closes, and says so', async () => {
    const errors: string[] = [];
    diag.setLogger({ error: (m: string) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.ERROR);
    const f = await runFault(ms => (ms < 200_000 ? { kind: 'refuse' } : UP), 10_000, { forward: { retry: { maxElapsedMs: 60_000 } } });
    report('refused 200 s, retry window 60 s', f);
    expect(f.lost).toBe(f.accepted);
    expect(f.forwarded).toBe(0);
    expect(errors.some(m => m.includes('lost') && m.includes('still failing after 60 s of retries') && m.includes('ECONNREFUSED'))).toBe(true);
  });
});
