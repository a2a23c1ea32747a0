import { describe, expect, it } from 'vitest';
import type { SpanView } from '../../src/normalize/span-view.js';
import { stepSummaryOf } from '../../src/turns/step-summary.js';
import { StringPool, decodeStep, encodeStep } from '../../src/turns/step-codec.js';
import { IdTable } from '../../src/turns/id-table.js';
import { SharedStrings, TraceState } from '../../src/turns/trace-state.js';

function view(fields: Partial<SpanView>): SpanView {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    name: 'chat gpt-4o',
    startMs: 1_718_000_000_123.456,
    endMs: 1_718_000_000_987.25,
    status: 'unset',
    statusMessage: undefined,
    errorType: undefined,
    httpStatusCode: undefined,
    exceptionType: undefined,
    exceptionMessage: undefined,
    toolName: undefined,
    toolCallId: undefined,
    argsHash: undefined,
    resultHash: undefined,
    outputTokens: undefined,
    plannedToolCalls: [],
    model: undefined,
    temperature: undefined,
    maxTokens: undefined,
    region: undefined,
    ...fields,
  } as SpanView;
}

function roundTrip(v: SpanView, role: 'llm_step' | 'tool_call', pool = new StringPool(), messages?: { role: string; content: string }[]) {
  const packed = encodeStep(stepSummaryOf(v, role, messages), pool);
  const text = `prefix${packed}`;
  const { step, end } = decodeStep(text, 'prefix'.length, v.spanId, v.parentSpanId, pool);
  expect(end).toBe(text.length);
  return step;
}

describe('packed steps of an open turn', () => {
  it('give back every field of the summary exactly, whatever the content', () => {
    const cases: SpanView[] = [
      view({ outputTokens: 40, model: 'gpt-4o', plannedToolCalls: [{ id: 'c1_0', name: 'search_orders', argsHash: '\u0000{"order_id":1}' }] }),
      view({ toolName: 'search:orders;#~', toolCallId: '12:34', argsHash: 'sha256:' + 'ab'.repeat(32), resultHash: '\u0000"~#;="', startMs: 5, endMs: 5 }),
      view({ name: 'チャット ✓ 🚀', model: 'モデル', temperature: 0.7, maxTokens: 1024, region: 'eu-west-1', outputTokens: -0 }),
      view({ startMs: Number.NaN, endMs: Number.POSITIVE_INFINITY, outputTokens: 2 ** 53 + 2, temperature: -1e-300, maxTokens: 12_345_678 }),
      view({ status: 'error', statusMessage: 'boom: 3 of 4', errorType: 'RateLimitError', httpStatusCode: 429, exceptionType: 'Error', exceptionMessage: '' }),
      view({ status: 'ok', httpStatusCode: 503 }),
      view({ plannedToolCalls: [{ id: undefined, name: '', argsHash: undefined }, { id: '', name: 'x'.repeat(500), argsHash: '' }] }),
      view({ name: '', startMs: 1_718_000_000_000, endMs: 1_718_000_000_250 }),
    ];
    for (const v of cases) {
      for (const role of ['llm_step', 'tool_call'] as const) {
        expect(roundTrip(v, role)).toStrictEqual(stepSummaryOf(v, role));
      }
    }
    const messages = [{ role: 'user', content: 'hi; #1 ~' }, { role: 'assistant', content: '' }];
    expect(roundTrip(view({}), 'llm_step', new StringPool(), messages)).toStrictEqual(stepSummaryOf(view({}), 'llm_step', messages));
  });

  it('write a name out in full once the pool is full', () => {
    const pool = new StringPool(1);
    const a = roundTrip(view({ name: 'first', model: 'second' }), 'llm_step', pool);
    expect([a.name, a.model]).toStrictEqual(['first', 'second']);
    expect(pool.idOf('first')).toBe(0);
    expect(pool.idOf('second')).toBe(-1);
  });
});

describe('span ids of a trace', () => {
  it('are found by id, packed or not, before and after the table indexes them', () => {
    const table = new IdTable();
    const ids = Array.from({ length: 60 }, (_, i) => i.toString(16).padStart(16, '0'));
    for (const [i, id] of ids.entries()) {
      expect(table.addId(id)).toBe(i);
      expect(table.idIndex(id)).toBe(i);
    }
    // A match across two packed ids is not an id (a small table: still packed, not indexed).
    const small = new IdTable();
    for (const id of ids.slice(0, 3)) small.addId(id);
    expect(small.idIndex('00000000000000010000000000000002'.slice(8, 24))).toBe(-1);
    const odd = new IdTable();
    odd.addId('aaaaaaaaaaaaaaaa');
    odd.addId('short');
    odd.addId('bbbbbbbbbbbbbbbb');
    expect([odd.idIndex('aaaaaaaaaaaaaaaa'), odd.idIndex('short'), odd.idIndex('bbbbbbbbbbbbbbbb'), odd.idIndex('zz')]).toStrictEqual([0, 1, 2, -1]);
    expect(odd.idAt(1)).toBe('short');
    expect(odd.idIs(2, 'bbbbbbbbbbbbbbbb')).toBe(true);
  });
});

describe('a trace state', () => {
  it('links spans, counts what is open, and keeps the steps of undecided spans only', () => {
    const pool = new StringPool();
    const state = new TraceState('t', 0, new SharedStrings(pool));
    // A child seen before its parent: the link resolves once the parent is there.
    const child = state.add('bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa');
    expect(state.parentOf(child)).toBe(-1);
    const root = state.add('aaaaaaaaaaaaaaaa', undefined);
    state.markTurnRoot(root);
    expect(state.parentOf(child)).toBe(root);
    expect(state.parentIdOf(child)).toBe('aaaaaaaaaaaaaaaa');
    expect(state.isLocalRoot(root)).toBe(true);
    state.markAgentSpan(child);
    state.markEnded(child);
    const planner = view({ spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'aaaaaaaaaaaaaaaa', plannedToolCalls: [{ id: 'call_0001', name: 'lookup', argsHash: '\u0000{"q":"orders"}' }] });
    state.setStep(child, stepSummaryOf(planner, 'llm_step'));
    // The tool call repeats the plan's id and arguments: packed as references into the trace's step text.
    const call = state.add('dddddddddddddddd', 'aaaaaaaaaaaaaaaa');
    const tool = view({ spanId: 'dddddddddddddddd', parentSpanId: 'aaaaaaaaaaaaaaaa', toolName: 'lookup', toolCallId: 'call_0001', argsHash: '\u0000{"q":"orders"}' });
    state.setStep(call, stepSummaryOf(tool, 'tool_call'));
    state.markAgentSpan(call);
    state.markEnded(call);
    const held = state.step(call);
    if (!held || !('text' in held)) throw new Error('the tool call holds no packed step');
    const decoded = decodeStep(held.text, held.from, 'dddddddddddddddd', 'aaaaaaaaaaaaaaaa', pool, held.context);
    expect(held.text.slice(held.from, decoded.end)).not.toContain('orders');
    expect(decoded.step).toStrictEqual(stepSummaryOf(tool, 'tool_call'));
    expect(state.ownerOf(child)).toStrictEqual({ kind: 'turn', at: root });
    expect(state.membersOf(root)).toStrictEqual([child, root, call]);
    expect(state.isSettled()).toBe(false);
    state.markEnded(root);
    expect(state.isSettled()).toBe(false);
    for (const at of state.membersOf(root)) {
      state.markDecided(at, root);
      state.clearStep(at);
    }
    expect(state.step(child)).toBeUndefined();
    expect(state.decidedBy(child)).toBe(root);
    expect(state.isSettled()).toBe(true);
    // Grows past its first capacity without losing a span.
    for (let i = 0; i < 40; i++) state.add(i.toString(16).padStart(16, 'c'), 'aaaaaaaaaaaaaaaa');
    expect(state.size).toBe(43);
    expect(state.parentOf(42)).toBe(root);
    expect(state.isSettled()).toBe(false);
  });
});
