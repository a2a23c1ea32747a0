import { describe, expect, it } from 'vitest';
import type { SignalOverride } from '../../src/index.js';
import { createHarness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';

const answer = (outputTokens: number | undefined, extra: Partial<TurnScript> = {}): TurnScript => ({
  steps: [
    { llm: { toolCalls: [{ id: 'c1', name: 'search' }], outputTokens: 30 } },
    { tool: { name: 'search', id: 'c1' } },
    { llm: { text: 'answer', ...(outputTokens !== undefined && { outputTokens }) } },
  ],
  ...extra,
});

const drops = <T extends { signal: string }>(findings: readonly T[]): T[] => findings.filter(f => f.signal === 'output_token_drop');
const withOptions = (options: Record<string, unknown>): Record<string, SignalOverride> => ({ output_token_drop: { options } });

describe('output_token_drop', () => {
  it.each([
    { desc: 'an empty answer (0 tokens) fires by default', options: {}, script: answer(0), fires: true },
    { desc: 'a 1-token answer is quiet by default (exactly the default minimum)', options: {}, script: answer(1), fires: false },
    { desc: 'below the minimum of its task type (the agent name) fires', options: { minExpectedTokens: { 'weather-agent': 50 } }, script: answer(49), fires: true },
    { desc: 'exactly at the minimum stays quiet', options: { minExpectedTokens: { 'weather-agent': 50 } }, script: answer(50), fires: false },
    {
      desc: 'the task type comes from the configured root attribute',
      options: { taskTypeAttribute: 'app.task_type', minExpectedTokens: { summarize: 200 } },
      script: answer(120, { rootAttributes: { 'app.task_type': 'summarize' } }),
      fires: true,
    },
    {
      desc: 'a missing task-type attribute falls back to the agent name',
      options: { taskTypeAttribute: 'app.task_type', minExpectedTokens: { summarize: 200 } },
      script: answer(120),
      fires: false,
    },
    {
      desc: 'turn_total sums every LLM step',
      options: { measure: 'turn_total', minExpectedTokens: { 'weather-agent': 50 } },
      script: answer(25),
      fires: false,
    },
    { desc: 'a failed final step is provider_error, not a drop', options: {}, script: { steps: [{ llm: { fail: { httpStatus: 500 } } }] }, fires: false },
  ])('$desc', ({ options, script, fires }) => {
    const h = createHarness({ signals: withOptions(options) });
    const ids = runTurn(h.tracer, script);
    const found = drops(h.findings);
    expect(found).toHaveLength(fires ? 1 : 0);
    if (fires) {
      expect(found[0]).toMatchObject({ severity: 'soft', class: 'tone', secondaryClasses: ['coverage'], spanId: ids.stepSpanIds.at(-1) });
    }
  });

  it('reports once that it cannot evaluate turns without token usage (instrumentation health)', () => {
    const h = createHarness();
    for (let i = 0; i < 3; i++) runTurn(h.tracer, { steps: [{ llm: { text: 'hi', noUsage: true } }] });
    expect(drops(h.findings)).toHaveLength(0);
    expect(h.healthNotices).toEqual([{ signal: 'output_token_drop', cause: 'missing_attribute', field: 'outputTokens', convention: 'genai' }]);
  });

  describe('learned floor (on by default)', () => {
    const summariser = [280, 350, 420, 310, 390, 300, 410, 330, 360, 290, 400, 340];

    it('a summariser answering 280–420 tokens a dozen times, then 4: a drop, within its first day', () => {
      const h = createHarness();
      for (const tokens of summariser) runTurn(h.tracer, answer(tokens));
      expect(drops(h.findings)).toEqual([]);
      const ids = runTurn(h.tracer, answer(4));
      expect(drops(h.findings)).toMatchObject([
        { spanId: ids.stepSpanIds.at(-1), details: { mode: 'learned', output_tokens: 4, task_type: 'weather-agent', baseline_samples: 12 } },
      ]);
      const floor = drops(h.findings)[0]?.details['floor_tokens'];
      expect(floor).toBeGreaterThan(60);
      expect(floor).toBeLessThan(100);
      runTurn(h.tracer, answer(200)); // well above 0.3 × its low answers
      expect(drops(h.findings)).toHaveLength(1);
    });

    it('no verdict before minSamples answers', () => {
      const h = createHarness();
      for (const tokens of summariser.slice(0, 9)) runTurn(h.tracer, answer(tokens));
      runTurn(h.tracer, answer(4));
      expect(drops(h.findings)).toEqual([]);
    });

    it('a configured minimum wins over the learned floor', () => {
      const h = createHarness({ signals: withOptions({ minExpectedTokens: { 'weather-agent': 3 } }) });
      for (const tokens of summariser) runTurn(h.tracer, answer(tokens));
      runTurn(h.tracer, answer(4));
      expect(drops(h.findings)).toEqual([]);
      runTurn(h.tracer, answer(2));
      expect(drops(h.findings)).toMatchObject([{ details: { mode: 'absolute', min_expected_tokens: 3 } }]);
    });

    it('quiet on an agent whose answers are legitimately short', () => {
      const h = createHarness();
      for (let i = 0; i < 40; i++) runTurn(h.tracer, answer(1 + (i % 12)));
      runTurn(h.tracer, answer(1));
      expect(drops(h.findings)).toEqual([]);
    });

    it('quiet on an agent whose answers vary more than maxSpread', () => {
      const h = createHarness();
      for (let i = 0; i < 40; i++) runTurn(h.tracer, answer(i % 4 === 0 ? 20 : 600));
      runTurn(h.tracer, answer(5));
      expect(drops(h.findings)).toEqual([]);
    });

    it('a drop is not learned: a lasting regression keeps firing', () => {
      const h = createHarness();
      for (const tokens of summariser) runTurn(h.tracer, answer(tokens));
      for (let i = 0; i < 20; i++) runTurn(h.tracer, answer(4));
      expect(drops(h.findings)).toHaveLength(20);
    });

    it('can be turned off', () => {
      const h = createHarness({ signals: withOptions({ learnedFloor: { enabled: false } }) });
      for (const tokens of summariser) runTurn(h.tracer, answer(tokens));
      runTurn(h.tracer, answer(4));
      expect(drops(h.findings)).toEqual([]);
    });
  });
});
