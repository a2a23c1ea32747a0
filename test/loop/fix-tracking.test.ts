import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { createNoopMeter } from '@opentelemetry/api';
import { AgentTriageSpanProcessor } from '../../src/index.js';
import type { Finding } from '../../src/index.js';
import type { LoopEvent } from '../../src/loop/loop-events.js';
import type { LoopState } from '../../src/loop/loop-state.js';
import type { LoopStatePort } from '../../src/loop/loop-state-port.js';
import { TriageLoop } from '../../src/loop/triage-loop.js';
import { loopHarness } from '../helpers/loop-harness.js';
import type { createHarness} from '../helpers/harness.js';
import { sumWhere, TestMetricReader } from '../helpers/harness.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';

const failing = (agentVersion?: string): TurnScript => ({ agentVersion, steps: [{ llm: { fail: { httpStatus: 503 } } }] });
const healthy = (agentVersion?: string): TurnScript => ({ ...HEALTHY_TURN, agentVersion });

function memoryPort(initial?: unknown): LoopStatePort & { saved: LoopState[] } {
  const saved: LoopState[] = [];
  return {
    saved,
    load: () => initial,
    save: state => {
      saved.push(JSON.parse(JSON.stringify(state)) as LoopState);
    },
  };
}

async function timeToFix(h: ReturnType<typeof createHarness>): Promise<DataPoint<Histogram>[]> {
  return (await h.metric('agent_triage.loop.time_to_fix')) as unknown as DataPoint<Histogram>[];
}

describe('fix tracking through the processor', () => {
  it('counts a fingerprint fixed once a newer version handled enough turns without it', async () => {
    const events: LoopEvent[] = [];
    const h = loopHarness({ loop: { fixAfterTurns: 3, onEvent: e => events.push(e) } });
    runTurn(h.tracer, failing('1.0.0'));
    const fingerprint = h.findings[0]?.fingerprint ?? '';
    for (let i = 0; i < 5; i++) runTurn(h.tracer, healthy('1.0.0')); // same version: no evidence
    expect(h.processor.loop.state().fingerprints[0]?.status).toBe('open');
    expect(sumWhere(await h.metric('agent_triage.loop.open_fingerprints'), { 'agent_triage.class': 'infra' })).toBe(1);

    runTurn(h.tracer, healthy('1.1.0'));
    runTurn(h.tracer, healthy('1.1.0'));
    expect(events).toEqual([]);
    runTurn(h.tracer, healthy('1.1.0'));

    expect(events.map(e => e.type)).toEqual(['fixed']);
    expect(h.processor.loop.state().fingerprints[0]).toMatchObject({ fingerprint, status: 'fixed', fixedInVersion: '1.1.0', fixedBy: 'auto' });
    const [point] = await timeToFix(h);
    expect(point?.attributes).toEqual({ 'agent_triage.class': 'infra', 'agent_triage.fixed_by': 'auto' });
    expect(point?.value.count).toBe(1);
    expect(sumWhere(await h.metric('agent_triage.loop.open_fingerprints'), { 'agent_triage.class': 'infra' })).toBe(0);
  });

  it('restarts the count when the failure recurs in the newer version, and a return after the fix is a regression', async () => {
    const events: LoopEvent[] = [];
    const h = loopHarness({ loop: { fixAfterTurns: 2, onEvent: e => events.push(e) } });
    runTurn(h.tracer, failing('1'));
    runTurn(h.tracer, healthy('2'));
    runTurn(h.tracer, failing('2')); // not fixed in 2 after all
    runTurn(h.tracer, healthy('2'));
    runTurn(h.tracer, healthy('2'));
    expect(events).toEqual([]);
    runTurn(h.tracer, healthy('3'));
    runTurn(h.tracer, healthy('3'));
    expect(events.map(e => e.type)).toEqual(['fixed']);

    runTurn(h.tracer, failing('3'));
    expect(events.map(e => e.type)).toEqual(['fixed', 'regressed']);
    expect(events[1]).toMatchObject({ type: 'regressed', previousFixInVersion: '3', record: { status: 'open', regressions: 1 } });
    expect(sumWhere(await h.metric('agent_triage.loop.regressions'), { 'agent_triage.class': 'infra' })).toBe(1);
  });

  it('does not judge turns without a version', () => {
    const h = loopHarness({ loop: { fixAfterTurns: 1 } });
    runTurn(h.tracer, failing());
    for (let i = 0; i < 3; i++) runTurn(h.tracer, healthy());
    expect(h.processor.loop.state().fingerprints[0]?.status).toBe('open');
    expect(h.processor.loop.state().agents).toEqual([]);
  });

  it("reads the version from the resource's service.version when the span has none", () => {
    const events: LoopEvent[] = [];
    const processor = new AgentTriageSpanProcessor({
      next: new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }),
      state: { persistence: false },
      loop: { fixAfterTurns: 1, onEvent: e => events.push(e) },
    });
    const tracerOf = (version: string) =>
      new TracerProvider({ resource: resourceFromAttributes({ 'service.version': version }), spanProcessors: [processor] }).getTracer('t');
    runTurn(tracerOf('2026.11.1'), failing());
    runTurn(tracerOf('2026.11.2'), healthy());
    expect(events).toMatchObject([{ type: 'fixed', record: { fixedInVersion: '2026.11.2' } }]);
  });

  it('counts an onEvent callback that throws, and keeps tracking', async () => {
    const h = loopHarness({
      loop: {
        fixAfterTurns: 1,
        onEvent: () => {
          throw new Error('callback bug');
        },
      },
    });
    runTurn(h.tracer, failing('1'));
    runTurn(h.tracer, healthy('2'));
    expect(h.processor.loop.state().fingerprints[0]?.status).toBe('fixed');
    expect(sumWhere(await h.metric('agent_triage.internal.errors'), { 'agent_triage.reason': 'on_loop_event' })).toBe(1);
  });

  it('marks a fingerprint fixed by hand', async () => {
    const h = loopHarness();
    runTurn(h.tracer, failing('1'));
    const fingerprint = h.findings[0]?.fingerprint ?? '';
    expect(h.processor.loop.markFixed('no-such-fingerprint')).toBe(false);
    expect(h.processor.loop.markFixed(fingerprint, '1.0.1')).toBe(true);
    expect(h.processor.loop.markFixed(fingerprint)).toBe(false); // already fixed
    const [point] = await timeToFix(h);
    expect(point?.attributes['agent_triage.fixed_by']).toBe('manual');
  });
});

describe('time to fix', () => {
  /** Real findings, fed to the loop at chosen times. */
  function findingsOf(script: TurnScript): Finding[] {
    const h = loopHarness();
    runTurn(h.tracer, script);
    return h.findings;
  }

  it('is measured from first seen to the turn that completed the fix, and from the regression for a second episode', async () => {
    const reader = new TestMetricReader();
    const loop = new TriageLoop({ fixAfterTurns: 2 }, new MeterProvider({ readers: [reader] }).getMeter('t'), undefined, () => undefined);
    const findings = findingsOf(failing('1'));
    const turn = (version: string, timeMs: number, with_: readonly Finding[] = []) => {
      loop.turnDecided({ agentName: 'weather-agent', agentVersion: version, timeMs, findings: with_ });
    };
    const hour = 3_600_000;
    turn('1', 0, findings);
    turn('2', 5 * hour);
    turn('2', 6 * hour); // fixed: 6 h
    turn('2', 10 * hour, findings); // regression
    turn('3', 11 * hour);
    turn('3', 12 * hour); // fixed: 2 h

    expect(loop.state().fixes.map(f => f.seconds)).toEqual([6 * 3600, 2 * 3600]);
    const { resourceMetrics } = await reader.collect();
    const histogram = resourceMetrics.scopeMetrics[0]?.metrics.find(m => m.descriptor.name === 'agent_triage.loop.time_to_fix');
    const point = histogram?.dataPoints[0] as DataPoint<Histogram> | undefined;
    expect(point?.value.sum).toBe(8 * 3600);
    expect(point?.value.count).toBe(2);
  });
});

describe('loop state', () => {
  it('is saved on forceFlush and picked up by the next process', async () => {
    const first = memoryPort();
    const h1 = loopHarness({ loop: { fixAfterTurns: 2, state: first } });
    runTurn(h1.tracer, failing('1'));
    runTurn(h1.tracer, healthy('2'));
    await h1.processor.forceFlush();
    expect(first.saved).toHaveLength(1);
    await h1.processor.forceFlush();
    expect(first.saved).toHaveLength(1); // nothing changed, nothing saved

    const events: LoopEvent[] = [];
    const second = memoryPort(first.saved[0]);
    const h2 = loopHarness({ loop: { fixAfterTurns: 2, state: second, onEvent: e => events.push(e) } });
    runTurn(h2.tracer, healthy('2')); // the second clean turn, after the restart
    expect(events.map(e => e.type)).toEqual(['fixed']);
    await h2.processor.shutdown();
    expect(second.saved.at(-1)?.fingerprints[0]?.status).toBe('fixed');
  });

  it("is kept in the processor's state file, beside the baselines", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loop-state-')), 'state.json');
    const h1 = loopHarness({ state: { path }, loop: { fixAfterTurns: 1 } });
    runTurn(h1.tracer, failing('1'));
    await h1.processor.shutdown();
    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { entries: [string, string, LoopState][] };
    const entry = snapshot.entries.find(([namespace, key]) => namespace === 'loop' && key === 'state');
    expect(entry?.[2].fingerprints).toMatchObject([{ status: 'open', lastSeenVersion: '1' }]);

    const events: LoopEvent[] = [];
    const h2 = loopHarness({ state: { path }, loop: { fixAfterTurns: 1, onEvent: e => events.push(e) } });
    runTurn(h2.tracer, healthy('2'));
    expect(events.map(e => e.type)).toEqual(['fixed']);
  });

  it('starts fresh from an unusable saved state', () => {
    const loop = new TriageLoop({ state: memoryPort({ schemaVersion: 99 }) }, createNoopMeter(), undefined, () => undefined);
    expect(loop.state().fingerprints).toEqual([]);
  });

  it('counts a port that fails to save, and keeps the state dirty for the next save', async () => {
    const errors: string[] = [];
    let fail = true;
    const saved: LoopState[] = [];
    const port: LoopStatePort = {
      load: () => undefined,
      save: state => {
        if (fail) throw new Error('disk full');
        saved.push(state);
      },
    };
    const loop = new TriageLoop({ state: port }, createNoopMeter(), undefined, reason => errors.push(reason));
    loop.turnDecided({ agentName: 'a', agentVersion: '1', timeMs: 0, findings: [] });
    await loop.forceFlush();
    expect(errors).toEqual(['loop_state_save']);
    fail = false;
    await loop.forceFlush();
    expect(saved).toHaveLength(1);
  });

  it('stays bounded, forgetting fixed fingerprints before open ones', () => {
    const h = loopHarness({ loop: { maxFingerprints: 2, fixAfterTurns: 1 } });
    runTurn(h.tracer, { agentVersion: '1', steps: [{ llm: { toolCalls: [{ id: 'a', name: 'alpha' }] } }, { tool: { name: 'alpha', id: 'a', fail: 'x' } }] });
    runTurn(h.tracer, healthy('2')); // fixes alpha's tool_error
    runTurn(h.tracer, { agentVersion: '2', steps: [{ llm: { toolCalls: [{ id: 'b', name: 'beta' }] } }, { tool: { name: 'beta', id: 'b', fail: 'x' } }] });
    runTurn(h.tracer, { agentVersion: '2', steps: [{ llm: { toolCalls: [{ id: 'c', name: 'gamma' }] } }, { tool: { name: 'gamma', id: 'c', fail: 'x' } }] });
    const kept = h.processor.loop.state().fingerprints;
    expect(kept).toHaveLength(2);
    expect(kept.every(r => r.status === 'open')).toBe(true);
  });
});
