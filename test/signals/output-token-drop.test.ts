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

const drops = (findings: readonly { signal: string }[]) => findings.filter(f => f.signal === 'output_token_drop');
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

  it('relative mode: fires below half the task type median once the baseline has enough turns', () => {
    const h = createHarness({ signals: withOptions({ relative: { enabled: true, minSamples: 10 } }) });
    for (let i = 0; i < 9; i++) runTurn(h.tracer, answer(400 + i));
    runTurn(h.tracer, answer(100)); // 9 samples: cold start, no verdict
    expect(drops(h.findings)).toHaveLength(0);
    runTurn(h.tracer, answer(150));
    expect(drops(h.findings)).toMatchObject([{ details: { mode: 'relative', output_tokens: 150 } }]);
    runTurn(h.tracer, answer(300)); // 300 > 0.5 * ~400
    expect(drops(h.findings)).toHaveLength(1);
  });
});
