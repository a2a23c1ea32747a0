import { describe, expect, it } from 'vitest';
import { createHarness, failureEvents, sumWhere } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';

describe('tool_error: recovered within the turn (soft) or broke it (hard)', () => {
  const plan = { llm: { toolCalls: [{ id: 'c1', name: 'get_time' }] } } as const;
  it.each<{ desc: string; script: TurnScript; options?: Record<string, unknown>; severity: 'hard' | 'soft'; recovered: boolean }>([
    {
      desc: 'a failure the agent only apologised for is hard',
      script: { steps: [plan, { tool: { name: 'get_time', id: 'c1', fail: 'down' } }, { llm: { text: 'Sorry.' } }] },
      severity: 'hard',
      recovered: false,
    },
    {
      desc: 'a retry of the same tool that succeeded is soft',
      script: {
        steps: [plan, { tool: { name: 'get_time', id: 'c1', fail: 'down' } }, { tool: { name: 'get_time', id: 'c2' } }, { llm: { text: '12:00' } }],
      },
      severity: 'soft',
      recovered: true,
    },
    {
      desc: 'a successful retry does not help when the turn root itself failed',
      script: {
        rootFails: true,
        steps: [plan, { tool: { name: 'get_time', id: 'c1', fail: 'down' } }, { tool: { name: 'get_time', id: 'c2' } }],
      },
      severity: 'hard',
      recovered: false,
    },
    {
      desc: 'another tool succeeding is not a recovery by default',
      script: { steps: [plan, { tool: { name: 'get_time', id: 'c1', fail: 'down' } }, { tool: { name: 'clock_backup' } }, { llm: { text: '12:00' } }] },
      severity: 'hard',
      recovered: false,
    },
    {
      desc: 'another tool succeeding is a recovery with recoveredBy any_tool',
      script: { steps: [plan, { tool: { name: 'get_time', id: 'c1', fail: 'down' } }, { tool: { name: 'clock_backup' } }, { llm: { text: '12:00' } }] },
      options: { recoveredBy: 'any_tool' },
      severity: 'soft',
      recovered: true,
    },
  ])('$desc', async ({ script, options, severity, recovered }) => {
    const h = createHarness(options ? { signals: { tool_error: { options } } } : {});
    const ids = runTurn(h.tracer, script);
    const failedSpanId = ids.stepSpanIds[1] ?? '';
    const errors = h.findings.filter(f => f.signal === 'tool_error');
    expect(errors).toMatchObject([{ spanId: failedSpanId, severity, details: { recovered, 'gen_ai.tool.name': 'get_time' } }]);
    // The failing span's own event was written before the turn was known: the configured (hard) severity.
    expect(failureEvents(h.span(failedSpanId))).toMatchObject([{ 'agent_triage.signal': 'tool_error', 'agent_triage.severity': 'hard' }]);
    // The root's event and the metrics carry the final severity.
    expect(failureEvents(h.span(ids.rootSpanId)).filter(e => e['agent_triage.signal'] === 'tool_error')).toMatchObject([
      { 'agent_triage.severity': severity, 'agent_triage.detail.recovered': recovered },
    ]);
    expect(sumWhere(await h.metric('agent_triage.failures'), { 'agent_triage.signal': 'tool_error', 'agent_triage.severity': severity })).toBe(1);
  });
});

describe('zero_tool_calls: requireToolCallFor', () => {
  const answerOnly: TurnScript = { agent: 'billing-agent', steps: [{ llm: { text: 'Your balance is 0.' } }] };
  it.each([
    { desc: 'a turn of a tool-requiring agent that answered without a tool fires', options: { requireToolCallFor: ['billing-agent'] }, script: answerOnly, fires: true },
    { desc: 'other agents may answer without tools', options: { requireToolCallFor: ['weather-agent'] }, script: answerOnly, fires: false },
    { desc: 'by default no agent must call a tool', options: {}, script: answerOnly, fires: false },
    {
      desc: 'one tool call satisfies the requirement',
      options: { requireToolCallFor: ['billing-agent'] },
      script: { agent: 'billing-agent', steps: [{ llm: { toolCalls: [{ id: 'c', name: 'balance' }] } }, { tool: { name: 'balance', id: 'c' } }, { llm: { text: '0' } }] },
      fires: false,
    },
    {
      desc: 'the task type can come from a root attribute',
      options: { requireToolCallFor: ['lookup'], taskTypeAttribute: 'app.task_type' },
      script: { ...answerOnly, rootAttributes: { 'app.task_type': 'lookup' } },
      fires: true,
    },
  ])('$desc', ({ options, script, fires }) => {
    const h = createHarness({ signals: { zero_tool_calls: { options } } });
    const ids = runTurn(h.tracer, script);
    const found = h.findings.filter(f => f.signal === 'zero_tool_calls');
    expect(found).toHaveLength(fires ? 1 : 0);
    if (fires) expect(found[0]).toMatchObject({ spanId: ids.rootSpanId, severity: 'hard', details: { reason: 'tool_required', tool_calls: 0 } });
  });
});

describe('zero_tool_calls: the streak counts steps that executed no tool', () => {
  const planned = (...ids: string[]) => ({ llm: { toolCalls: ids.map(id => ({ id, name: 'lookup_forecast' })) } });
  const ran = (id: string) => ({ tool: { name: 'lookup_forecast', id } });
  it.each<{ desc: string; steps: TurnScript['steps']; streak: number }>([
    // A and B planned two calls each, all rejected; C's own planned call runs (its tool starts after it).
    { desc: 'A, B rejected, then C whose call runs: a streak of 2', steps: [planned('a1', 'a2'), planned('b1', 'b2'), planned('c1'), ran('c1'), { llm: { text: 'done' } }], streak: 2 },
    { desc: 'three steps that executed nothing: a streak of 3', steps: [planned('a1'), planned('b1'), planned('c1')], streak: 3 },
    { desc: 'a tool that ran between steps breaks the streak', steps: [planned('a1'), ran('a1'), planned('b1'), planned('c1'), ran('c1')], streak: 1 },
    { desc: 'a run before any step belongs to none of them', steps: [ran('x'), { llm: { text: 'a' } }, { llm: { text: 'b' } }, { llm: { text: 'c' } }], streak: 3 },
  ])('$desc', ({ steps, streak }) => {
    const h = createHarness({ signals: { zero_tool_calls: { options: { maxConsecutiveStepsWithoutTools: 1 } } } });
    runTurn(h.tracer, { steps });
    const found = h.findings.filter(f => f.signal === 'zero_tool_calls');
    expect(found.map(f => f.details.consecutive_steps)).toEqual(streak > 1 ? [streak] : []);
  });

  it('keeps the default threshold "more than 2": A, B rejected then C that runs is quiet', () => {
    const h = createHarness();
    runTurn(h.tracer, { steps: [planned('a1', 'a2'), planned('b1', 'b2'), planned('c1'), ran('c1'), { llm: { text: 'done' } }] });
    expect(h.findings.filter(f => f.signal === 'zero_tool_calls')).toEqual([]);
  });
});
