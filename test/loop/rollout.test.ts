import { describe, expect, it } from 'vitest';
import { createNoopMeter } from '@opentelemetry/api';
import { ConfigError } from '../../src/index.js';
import type { LoopEvent } from '../../src/loop/loop-events.js';
import { TriageLoop } from '../../src/loop/triage-loop.js';
import { standardNormalCdf, twoProportionZTest } from '../../src/loop/two-proportion-z-test.js';
import { loopHarness } from '../helpers/loop-harness.js';
import type { createHarness} from '../helpers/harness.js';
import { sumWhere } from '../helpers/harness.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';

describe('two-proportion z-test', () => {
  it.each([
    { z: 0, cdf: 0.5 },
    { z: 1.6449, cdf: 0.95 },
    { z: 2.3263, cdf: 0.99 },
    { z: -1.96, cdf: 0.025 },
    { z: 8, cdf: 1 },
  ])('Φ($z) = $cdf', ({ z, cdf }) => {
    expect(standardNormalCdf(z)).toBeCloseTo(cdf, 4);
  });

  it.each([
    // 5% → 15% of 200 turns each: pooled 10%, SE 0.03, z = 3.33
    { name: 'a clear rise', baseline: [10, 200], candidate: [30, 200], z: 3.3333, p: 0.000429 },
    { name: 'a fall', baseline: [30, 200], candidate: [10, 200], z: -3.3333, p: 0.999571 },
    { name: 'no change', baseline: [20, 200], candidate: [20, 200], z: 0, p: 0.5 },
  ])('$name', ({ baseline, candidate, z, p }) => {
    const result = twoProportionZTest({ failures: baseline[0] ?? 0, total: baseline[1] ?? 0 }, { failures: candidate[0] ?? 0, total: candidate[1] ?? 0 });
    expect(result?.z).toBeCloseTo(z, 3);
    expect(result?.pValue).toBeCloseTo(p, 5);
  });

  it.each([
    { name: 'an empty group', baseline: { failures: 0, total: 0 }, candidate: { failures: 5, total: 50 } },
    { name: 'too few expected failures for the normal approximation', baseline: { failures: 0, total: 40 }, candidate: { failures: 4, total: 40 } },
    { name: 'no failures at all', baseline: { failures: 0, total: 500 }, candidate: { failures: 0, total: 500 } },
  ])('declines $name', ({ baseline, candidate }) => {
    expect(twoProportionZTest(baseline, candidate)).toBeUndefined();
  });
});

const failing = (v: string): TurnScript => ({ agentVersion: v, steps: [{ llm: { fail: { httpStatus: 503 } } }] });
const healthy = (v: string): TurnScript => ({ ...HEALTHY_TURN, agentVersion: v });

/** `turns` turns of version `v`, of which `failed` fail, spread evenly. */
function run(h: ReturnType<typeof createHarness>, v: string, turns: number, failed: number): void {
  for (let i = 0; i < turns; i++) {
    const fails = Math.floor(((i + 1) * failed) / turns) > Math.floor((i * failed) / turns);
    runTurn(h.tracer, fails ? failing(v) : healthy(v));
  }
}

describe('rollout regressions', () => {
  it('flag a version whose failed-turn rate rose significantly, once, with a metric and an alert', async () => {
    const hook = await startWebhookReceiver();
    const events: LoopEvent[] = [];
    const h = loopHarness({
      loop: { rollout: { minTurns: 40, alpha: 0.01 }, onEvent: e => events.push(e) },
      alerts: { url: hook.url, format: 'json', severities: [] },
    });
    run(h, '1', 40, 2);
    run(h, '2', 39, 15);
    expect(events).toEqual([]); // below the minimum sample
    run(h, '2', 1, 0);
    expect(events.filter(e => e.type === 'rollback_candidate')).toMatchObject([
      { candidate: { agent: 'weather-agent', version: '2', previousVersion: '1', turns: 40, failedTurns: 15, previousTurns: 40, previousFailedTurns: 2, alpha: 0.01 } },
    ]);
    run(h, '2', 80, 40);
    expect(events.filter(e => e.type === 'rollback_candidate')).toHaveLength(1);
    expect(sumWhere(await h.metric('agent_triage.rollout.rollback_candidates'), { 'gen_ai.agent.name': 'weather-agent' })).toBe(1);

    await h.processor.shutdown();
    expect(hook.requests.map(r => r.body)).toMatchObject([{ kind: 'rollback_candidate', fields: { version: '2', previous_version: '1', failure_rate: 0.375, previous_failure_rate: 0.05 } }]);
    await hook.close();
  });

  it.each([
    { name: 'the same rate', v2Failed: 32 },
    { name: 'a rise within noise (20% to 25%)', v2Failed: 40 },
  ])('stay quiet on $name', ({ v2Failed }) => {
    const events: LoopEvent[] = [];
    const h = loopHarness({ loop: { rollout: { minTurns: 40 }, onEvent: e => events.push(e) } });
    run(h, '1', 100, 20);
    run(h, '2', 160, v2Failed);
    expect(events.filter(e => e.type === 'rollback_candidate')).toEqual([]);
  });

  it('test only at the minimum sample and each doubling, not on every turn', () => {
    const loop = new TriageLoop({ rollout: { minTurns: 10, alpha: 0.05 } }, createNoopMeter(), undefined, () => undefined);
    const turn = (version: string, failed: boolean): void => {
      loop.turnDecided({ agentName: 'a', agentVersion: version, timeMs: 0, findings: failed ? [failedFinding] : [] });
    };
    for (let i = 0; i < 100; i++) turn('1', i % 2 === 0);
    for (let i = 0; i < 15; i++) turn('2', i % 2 === 0);
    const stats = loop.state().agents[0]?.versions.find(v => v.version === '2');
    expect(stats?.nextTestAtTurns).toBe(20);
  });

  it('reject a bad alpha naming the key', () => {
    expect(() => loopHarness({ loop: { rollout: { alpha: 2 } } })).toThrow(ConfigError);
    expect(() => loopHarness({ loop: { rollout: { alpha: 2 } } })).toThrow(/loop\.rollout\.alpha/);
  });
});

const failedFinding = (() => {
  const h = loopHarness();
  runTurn(h.tracer, failing('0'));
  const finding = h.findings[0];
  if (!finding) throw new Error('expected a finding');
  return finding;
})();
