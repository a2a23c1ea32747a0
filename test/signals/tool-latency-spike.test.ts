import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { predictionFactor } from '../../src/signals/tool-latency-spike.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { tempDir } from '../helpers/otlp-files.js';
import { runTurn } from '../helpers/scripted-agent.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A fixed point in the future, so explicit span times are read as epoch times. */
const START = Date.UTC(2027, 0, 4);

/** A deterministic, lognormal-looking baseline around 200 ms (about ±10%). */
const baseline = (n: number): number[] => Array.from({ length: n }, (_, i) => 200 * Math.exp(0.1 * Math.sin(i * 1.7)));

function callTool(h: Harness, durationMs: number, agent = 'weather-agent', tool = 'search'): void {
  runTurn(h.tracer, {
    agent,
    steps: [
      { llm: { toolCalls: [{ id: 'c1', name: tool }] } },
      { tool: { name: tool, id: 'c1', durationMs } },
      { llm: { text: 'done' } },
    ],
  });
}

const spikes = (h: Harness) => h.findings.filter(f => f.signal === 'tool_latency_spike');

describe('tool_latency_spike', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    { desc: 'a 5x call after a warm baseline fires', warm: 30, call: 1000, fires: true },
    { desc: 'a typical call stays quiet', warm: 30, call: 210, fires: false },
    { desc: 'cold start: 29 samples give no verdict, even on 10x', warm: 29, call: 2000, fires: false },
    { desc: 'a 20% slower call stays quiet (well inside 3 sigma)', warm: 30, call: 240, fires: false },
  ])('$desc', ({ warm, call, fires }) => {
    const h = createHarness();
    for (const ms of baseline(warm)) callTool(h, ms);
    callTool(h, call);
    expect(spikes(h)).toHaveLength(fires ? 1 : 0);
  });

  it('reports on the tool span, soft, class infra, with the baseline it compared against', () => {
    const h = createHarness();
    for (const ms of baseline(40)) callTool(h, ms);
    callTool(h, 1000);
    const [finding] = spikes(h);
    expect(finding).toMatchObject({ severity: 'soft', class: 'infra', toolName: 'search', agentName: 'weather-agent' });
    expect(finding?.details).toMatchObject({ latency_ms: 1000, baseline_samples: 40, scale: 'log' });
    expect(Number(finding?.details['baseline_ms'])).toBeGreaterThan(180);
    expect(Number(finding?.details['baseline_ms'])).toBeLessThan(220);
  });

  it('stays quiet just under the threshold and fires just over it (linear scale)', () => {
    // Baseline alternating 90/110: mean 100, sample sd = sqrt(100 * n / (n - 1)); 3 sigma widened for n = 40.
    const values = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 90 : 110));
    const sd = Math.sqrt((100 * 40) / 39) * (predictionFactor(3, 40) / 3);
    const options = { signals: { tool_latency_spike: { options: { scale: 'linear', minExcessMs: 0 } } } };
    const atThreshold = createHarness(options);
    for (const ms of values) callTool(atThreshold, ms);
    callTool(atThreshold, 100 + 3 * sd - 1e-6);
    expect(spikes(atThreshold)).toHaveLength(0);
    const above = createHarness(options);
    for (const ms of values) callTool(above, ms);
    callTool(above, 100 + 3 * sd + 0.01);
    expect(spikes(above)).toHaveLength(1);
  });

  it.each([
    [30, 3.333],
    [100, 3.093],
    [1000, 3.009],
    [100_000, 3.0],
  ])('widens 3 sigma for a baseline of %i values to %f (prediction interval)', (n, factor) => {
    expect(predictionFactor(3, n)).toBeCloseTo(factor, 3);
  });

  it('keeps one baseline per agent and tool', () => {
    const h = createHarness();
    for (const ms of baseline(30)) callTool(h, ms, 'weather-agent', 'search');
    callTool(h, 1000, 'billing-agent', 'search'); // no baseline for this agent yet
    callTool(h, 1000, 'weather-agent', 'lookup'); // nor for this tool
    expect(spikes(h)).toHaveLength(0);
    callTool(h, 1000, 'weather-agent', 'search');
    expect(spikes(h)).toHaveLength(1);
  });

  it('does not let a spike poison its own baseline: repeated spikes keep firing', () => {
    const h = createHarness();
    for (const ms of baseline(30)) callTool(h, ms);
    for (let i = 0; i < 10; i++) callTool(h, 1000);
    expect(spikes(h)).toHaveLength(10);
  });

  it('ignores failed tool calls (tool_error owns them) and spans without a tool name', () => {
    const h = createHarness();
    for (const ms of baseline(30)) callTool(h, ms);
    runTurn(h.tracer, { steps: [{ tool: { name: 'search', durationMs: 5000, fail: 'timeout' } }] });
    expect(spikes(h)).toHaveLength(0);
  });

  it('rolls the 7-day window over: a baseline older than 7 days is forgotten (cold start again)', () => {
    const h = createHarness();
    for (const ms of baseline(30)) callTool(h, ms);
    vi.advanceTimersByTime(6 * DAY);
    callTool(h, 1000);
    expect(spikes(h)).toHaveLength(1); // 6 days later the baseline still holds
    vi.advanceTimersByTime(DAY + HOUR);
    callTool(h, 1000);
    expect(spikes(h)).toHaveLength(1); // the day-0 buckets left the window: no verdict
  });

  it('survives a clock going backwards: samples land in the newest bucket and nothing expires', () => {
    const h = createHarness();
    for (const ms of baseline(15)) callTool(h, ms);
    vi.setSystemTime(START - 3 * DAY);
    for (const ms of baseline(15)) callTool(h, ms);
    callTool(h, 1000);
    expect(spikes(h)).toHaveLength(1);
  });

  it('keeps the baseline across a restart through the state file', async () => {
    const path = join(tempDir(), 'state.json');
    const before = createHarness({ state: { path } });
    for (const ms of baseline(30)) callTool(before, ms);
    await before.processor.shutdown();

    vi.advanceTimersByTime(HOUR);
    const after = createHarness({ state: { path } });
    callTool(after, 1000);
    expect(spikes(after)).toHaveLength(1);
    expect(spikes(after)[0]?.details['baseline_samples']).toBe(30);
  });
});
