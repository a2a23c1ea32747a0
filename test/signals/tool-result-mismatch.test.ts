import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SignalOverride } from '../../src/index.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { tempDir } from '../helpers/otlp-files.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { TurnStep } from '../helpers/scripted-agent.js';

type ToolCall = Extract<TurnStep, { tool: unknown }>['tool'];

function call(h: Harness, tool: ToolCall): string {
  const ids = runTurn(h.tracer, { steps: [{ llm: { toolCalls: [{ name: tool.name }] } }, { tool }, { llm: { text: 'ok' } }] });
  return ids.stepSpanIds[1] ?? '';
}

const mismatches = (h: Harness) => h.findings.filter(f => f.signal === 'tool_result_mismatch');
const withOptions = (options: Record<string, unknown>): Record<string, SignalOverride> => ({ tool_result_mismatch: { options } });
const lookup = (result: unknown, args: unknown = { id: 7 }): ToolCall => ({ name: 'lookup', args, result });

describe('tool_result_mismatch', () => {
  it.each([
    { desc: 'a declared-deterministic tool fires on its first differing repeat', tools: { lookup: 'deterministic' }, results: [1, 2], fires: 1 },
    { desc: 'the same result again stays quiet', tools: { lookup: 'deterministic' }, results: [1, 1, 1], fires: 0 },
    { desc: 'a non-deterministic tool is exempt', tools: { lookup: 'non_deterministic' }, results: [1, 2, 3], fires: 0 },
    { desc: 'an unlisted tool is not judged during its warm-up (5 repeats)', tools: {}, results: [1, 1, 1, 1, 2], fires: 0 },
    { desc: 'an unlisted tool is judged after its warm-up', tools: {}, results: [1, 1, 1, 1, 1, 1, 2], fires: 1 },
    { desc: 'after a mismatch the memory holds the new result', tools: { lookup: 'deterministic' }, results: [1, 2, 2, 2], fires: 1 },
  ])('$desc', ({ tools, results, fires }) => {
    const h = createHarness({ signals: withOptions({ tools }) });
    for (const result of results) call(h, lookup({ value: result }));
    expect(mismatches(h)).toHaveLength(fires);
  });

  it('reports the hashes on the tool span, soft, class data', () => {
    const h = createHarness({ signals: withOptions({ tools: { lookup: 'deterministic' } }) });
    call(h, lookup({ value: 1 }));
    const spanId = call(h, lookup({ value: 2 }));
    const [finding] = mismatches(h);
    expect(finding).toMatchObject({ spanId, severity: 'soft', class: 'data', toolName: 'lookup' });
    expect(finding?.details['result_hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(finding?.details['previous_result_hash']).not.toBe(finding?.details['result_hash']);
  });

  it('compares canonical JSON: key order of arguments and results does not matter', () => {
    const h = createHarness({ signals: withOptions({ tools: { lookup: 'deterministic' } }) });
    call(h, lookup({ a: 1, b: 2 }, { x: 1, y: 2 }));
    call(h, lookup({ b: 2, a: 1 }, { y: 2, x: 1 }));
    expect(mismatches(h)).toHaveLength(0);
  });

  it('learns a tool whose repeats mostly differ, reports that once as instrumentation health, never pages', () => {
    const h = createHarness();
    for (let i = 0; i < 20; i++) call(h, { name: 'random_pick', args: { from: 10 }, result: { picked: i } });
    expect(mismatches(h)).toHaveLength(0);
    expect(h.healthNotices).toEqual([
      expect.objectContaining({ signal: 'tool_result_mismatch', cause: 'learned_non_deterministic', subject: 'random_pick', convention: 'genai' }),
    ]);
  });

  it('does not page on a stateful tool whose state changed in between (a call with other arguments)', () => {
    const h = createHarness({ signals: withOptions({ tools: { shell: 'stateful' } }) });
    call(h, { name: 'shell', args: { cmd: 'ls' }, result: 'a' });
    call(h, { name: 'shell', args: { cmd: 'touch b' }, result: '' });
    call(h, { name: 'shell', args: { cmd: 'ls' }, result: 'a b' });
    expect(mismatches(h)).toHaveLength(0);
    call(h, { name: 'shell', args: { cmd: 'ls' }, result: 'a b c' }); // nothing ran in between: suspicious
    expect(mismatches(h)).toHaveLength(1);
  });

  it('forgets a memory after its TTL; a clock going backwards keeps it', () => {
    let now = Date.UTC(2027, 0, 1);
    const h = createHarness({ clock: () => now, signals: withOptions({ tools: { lookup: 'deterministic' }, ttlMs: 1000 }) });
    call(h, lookup({ value: 1 }));
    now -= 5000;
    call(h, lookup({ value: 2 }));
    expect(mismatches(h)).toHaveLength(1);
    now += 10_000;
    call(h, lookup({ value: 3 }));
    expect(mismatches(h)).toHaveLength(1);
  });

  it('accepts precomputed hashes from attributes when content is not captured', () => {
    const h = createHarness({ signals: withOptions({ tools: { lookup: 'deterministic' } }) });
    const hashed = (result: string): ToolCall => ({
      name: 'lookup',
      noContent: true,
      attributes: { 'agent_triage.tool.args_hash': 'sha256:aa', 'agent_triage.tool.result_hash': result },
    });
    call(h, hashed('sha256:01'));
    call(h, hashed('sha256:02'));
    expect(mismatches(h)).toMatchObject([{ details: { args_hash: 'sha256:aa', result_hash: 'sha256:02', previous_result_hash: 'sha256:01' } }]);
    expect(h.healthNotices).toEqual([]);
  });

  it('reports once per field that it cannot evaluate when neither content nor hashes are captured', () => {
    const h = createHarness();
    for (let i = 0; i < 3; i++) call(h, { name: 'lookup', noContent: true });
    call(h, { name: 'search', noContent: true });
    expect(mismatches(h)).toHaveLength(0);
    expect(h.healthNotices.map(n => [n.signal, n.cause, n.field, n.convention])).toEqual([
      ['tool_result_mismatch', 'content_not_captured', 'argsHash', 'genai'],
      ['tool_result_mismatch', 'content_not_captured', 'resultHash', 'genai'],
    ]);
  });

  it('keeps its memory across a restart', async () => {
    const path = join(tempDir(), 'state.json');
    const options = { state: { path }, signals: withOptions({ tools: { lookup: 'deterministic' } }) };
    const before = createHarness(options);
    call(before, lookup({ value: 1 }));
    await before.processor.shutdown();
    const after = createHarness(options);
    call(after, lookup({ value: 2 }));
    expect(mismatches(after)).toHaveLength(1);
  });
});
