import { describe, it } from 'vitest';
import { SyntheticTraffic, TRAFFIC_SIGNALS } from '../../bench/synthetic-traffic.js';
import type { SimulatedClock, TrafficOptions } from '../../bench/synthetic-traffic.js';
import { expectCorpusGoldens, goldenRecorder } from './golden.js';

/**
 * The quality bench's synthetic weeks, reduced: the same three weeks and
 * generator, 16 turns per agent per day instead of 240, failures injected
 * about five times as often, and mismatches from a tool's 50th call instead of
 * its 200th, so that every signal fires in under a second of traffic. Times
 * are simulated from a fixed start, so latencies and windows are the same on
 * every run.
 */
const SLICE: TrafficOptions = {
  seed: 42,
  startMs: Date.UTC(2026, 0, 5),
  days: 21,
  turnsPerAgentPerDay: 16,
  inject: { provider: 0.02, toolError: 0.02, loop: 0.015, skipped: 0.015, tokenDrop: 0.015, latency: 0.05, mismatch: 0.02 },
  mismatchAfterCalls: 50,
};

describe('golden verdicts: the quality bench weeks (reduced slice)', () => {
  it('scan findings and span enrichment match the goldens', async () => {
    const clock: SimulatedClock = { nowMs: SLICE.startMs };
    const recorder = goldenRecorder({ clock: () => clock.nowMs, signals: TRAFFIC_SIGNALS });
    new SyntheticTraffic(recorder.provider.getTracer('bench-agent'), clock, SLICE).run();
    await recorder.harness.processor.forceFlush();
    // Simulated times: the scan reads them as recorded.
    await expectCorpusGoldens('quality-bench', recorder, 'recorded');
  });
});
