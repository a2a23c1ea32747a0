import { context, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addToWindow, currentBucket, statsBetween } from '../../src/state/time-window.js';
import type { StatsBucket } from '../../src/state/time-window.js';
import { createHarness, sumWhere } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';

/**
 * The wall clock jumps mid-run (NTP step, VM resume, a bad host): the
 * processor's default clock is Date.now, faked here, while spans keep the
 * SDK's own timestamps.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2027, 0, 4, 12);

afterEach(() => {
  vi.useRealTimers();
});

const latencyFindings = (h: Harness) => h.findings.filter(f => f.signal === 'tool_latency_spike');
const lookup = (h: Harness, durationMs: number) => runTurn(h.tracer, { steps: [{ llm: { toolCalls: [{ id: 'c', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'c', durationMs } }, { llm: { text: 'ok' } }] });

/** 40 normal lookups over 40 minutes: a warm baseline. */
async function warmBaseline(h: Harness): Promise<void> {
  for (let i = 0; i < 40; i++) {
    lookup(h, 100 + (i % 5) * 5);
    await vi.advanceTimersByTimeAsync(60_000);
  }
  expect(latencyFindings(h)).toEqual([]);
}

describe('wall clock jumps', () => {
  it.each([
    ['back an hour', -HOUR],
    ['forward a day', DAY],
  ])('%s: held turns are still decided on time, nothing is negative, the baseline is neither lost nor poisoned', async (_name, jump) => {
    vi.useFakeTimers({ now: START, toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
    const h = createHarness({ decisionWaitMs: 5000 });
    await warmBaseline(h);
    const before = h.spans().length;

    // A turn held for the decision wait (5 s) when the clock jumps is decided within that wait, not an hour later.
    lookup(h, 110);
    await vi.advanceTimersByTimeAsync(1000);
    vi.setSystemTime(Date.now() + jump);
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.spans().length - before).toBe(4);
    const root = h.spans().at(-1) as ReadableSpan;
    expect(root.attributes['agent_triage.turn.outcome']).toBe('ok');

    // A normal latency after the jump is not a spike; a real spike still is.
    lookup(h, 105);
    await vi.advanceTimersByTimeAsync(6000);
    expect(latencyFindings(h)).toEqual([]);
    lookup(h, 5000);
    await vi.advanceTimersByTimeAsync(6000);
    expect(latencyFindings(h)).toHaveLength(1);

    // Nothing negative was written or counted.
    for (const span of h.spans()) {
      for (const [key, value] of Object.entries(span.attributes)) if (key.startsWith('agent_triage.') && typeof value === 'number') expect(value, key).toBeGreaterThanOrEqual(0);
      for (const event of span.events) for (const [key, value] of Object.entries(event.attributes ?? {})) if (typeof value === 'number') expect(value, key).toBeGreaterThanOrEqual(0);
    }
    expect(sumWhere(await h.metric('agent_triage.turns.evicted'), {})).toBe(0);
    await h.processor.shutdown();
  });

  it('judges spans from a clock-skewed host on their own durations, and forwards and counts a span that arrives after its turn was decided', async () => {
    vi.useFakeTimers({ now: START, toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    // The SDK stamps spans with the host's clock (Date, faked); the processor's own clock stays true.
    let skew = 0;
    const h = createHarness({ decisionWaitMs: 1000, clock: () => Date.now() - skew });
    await warmBaseline(h);
    for (const [offset, duration, spikes] of [[-3 * HOUR, 110, 0], [DAY, 5000, 1], [2 * HOUR, 105, 1]] as const) {
      skew = offset;
      vi.setSystemTime(Date.now() + offset);
      lookup(h, duration);
      vi.setSystemTime(Date.now() - offset);
      skew = 0;
      await vi.advanceTimersByTimeAsync(2000);
      expect(latencyFindings(h), `host ${offset / HOUR} h off, ${duration} ms`).toHaveLength(spikes);
    }
    // End before start (what a broken host may report): handed on, its duration read as 0, not negative.
    const exported = h.spans().length;
    const span = h.tracer.startSpan('execute_tool lookup', { startTime: Date.now(), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } });
    span.end(Date.now() - 60_000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.spans()).toHaveLength(exported + 1);
    expect(latencyFindings(h)).toHaveLength(1);

    // A late agent span: its turn was decided and let go; it is handed on at once, and counted as a turn
    // decided on partial data once the orphan timeout (5 min) passes.
    const decided = runTurn(h.tracer, { steps: [{ llm: { text: 'hi' } }] });
    await vi.advanceTimersByTimeAsync(2000);
    const before = h.spans().length;
    const parent = trace.wrapSpanContext({ traceId: decided.traceId, spanId: decided.rootSpanId, traceFlags: 1 });
    h.tracer.startSpan('chat gpt', { attributes: { 'gen_ai.operation.name': 'chat' } }, trace.setSpan(context.active(), parent)).end();
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.spans()).toHaveLength(before + 1);
    await vi.advanceTimersByTimeAsync(6 * 60_000);
    expect(sumWhere(await h.metric('agent_triage.turns.evicted'), { 'agent_triage.reason': 'orphan_timeout' })).toBe(1);
    await h.processor.shutdown();
  });
});

describe('time windows across clock jumps', () => {
  it('a clock that goes back lands in the newest bucket; one that jumps forward rolls the window', () => {
    const windowBuckets = 168;
    let buckets: StatsBucket[] = [];
    for (let hour = 0; hour < 10; hour++) buckets = addToWindow(buckets, 1000 + hour, 100, windowBuckets);
    // Back an hour: counted in the newest bucket, nothing dropped, no bucket in the past.
    buckets = addToWindow(buckets, 1008, 100, windowBuckets);
    expect(buckets.map(b => b[0])).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
    expect(buckets.at(-1)?.[1]).toBe(2);
    // Forward a day: a new bucket, the older ones still in the 7-day window.
    buckets = addToWindow(buckets, 1009 + 24, 100, windowBuckets);
    const now = currentBucket(buckets, 1009 + 24);
    expect(statsBetween(buckets, now - windowBuckets, now).count).toBe(12);
    // Forward past the window: the window rolls, old buckets leave.
    buckets = addToWindow(buckets, 1009 + 24 + windowBuckets, 100, windowBuckets);
    expect(buckets.map(b => b[0])).toEqual([1009 + 24 + windowBuckets]);
  });
});
