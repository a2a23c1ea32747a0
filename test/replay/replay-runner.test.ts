import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { runReplay } from '../../src/cli/replay-command.js';
import { FixtureReplayer, RecordedToolFailure, ToolStubMismatchError, parseFixture, toolStubsFromFixture } from '../../src/index.js';
import type { Fixture } from '../../src/index.js';
import { createHarness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';
import { tempDir } from '../helpers/otlp-files.js';

const LOOKUP_THEN_REFUND_FAILS: TurnScript = {
  steps: [
    { llm: { toolCalls: [{ id: 'c1', name: 'lookup', args: { id: 7 } }] } },
    { tool: { name: 'lookup', id: 'c1', args: { id: 7 }, result: { order: 7, total: 30 } } },
    { llm: { toolCalls: [{ id: 'c2', name: 'refund', args: { id: 7, amount: 30 } }] } },
    { tool: { name: 'refund', id: 'c2', args: { id: 7, amount: 30 }, fail: 'gateway refused' } },
    { llm: { text: 'Sorry.' } },
  ],
};

/** Records fixtures through the real processor and returns their directory. */
async function record(scripts: readonly TurnScript[]): Promise<string> {
  const dir = tempDir();
  const h = createHarness({ fixtures: { dir } });
  for (const script of scripts) runTurn(h.tracer, script);
  await h.processor.shutdown();
  return dir;
}

function firstFixture(dir: string): Fixture {
  const name = readdirSync(dir).find(n => n.startsWith('agent_fail_'));
  return parseFixture(JSON.parse(readFileSync(join(dir, name ?? ''), 'utf8')));
}

class CapturingTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 80;
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  cursorTo(_x: number, _y?: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
  clearLine(_dir: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
  moveCursor(_dx: number, _dy: number, cb?: () => void): boolean {
    cb?.();
    return true;
  }
}

describe('replay runner', () => {
  it('re-evaluates a fixture recorded in-process the same way', async () => {
    const fixture = firstFixture(await record([LOOKUP_THEN_REFUND_FAILS]));
    const result = new FixtureReplayer().replay(fixture);
    expect(result).toMatchObject({ status: 'same', expected: { signal: 'tool_error', class: 'logic' }, actual: { class: 'logic', decision: 'stop' } });
  });

  it('draws a progress bar on a terminal for a large corpus, and none otherwise', async () => {
    const turns = Array.from({ length: 20 }, () => LOOKUP_THEN_REFUND_FAILS);
    const dir = await record(turns);
    const out = { text: '', write(t: string) { this.text += t; } };
    const terminal = new CapturingTerminal();
    expect(runReplay([dir], {}, out, terminal)).toBe(0);
    expect(terminal.text).toContain('20/20');
    expect(out.text).toBe('20 fixtures replayed: 20 same, 0 changed, 0 invalid\n');

    const pipe = new CapturingTerminal();
    Object.defineProperty(pipe, 'isTTY', { value: false });
    runReplay([dir], {}, out, pipe);
    expect(pipe.text).toBe('');
  });
});

describe('toolStubsFromFixture', () => {
  it('answers the recorded calls in order, failing where the recording failed', async () => {
    const fixture = firstFixture(await record([LOOKUP_THEN_REFUND_FAILS]));
    const lookupHash = fixture.tool_history[0]?.result_hash ?? '';
    const stubs = toolStubsFromFixture(fixture, { results: { [lookupHash]: { order: 7, total: 30 } } });
    expect(stubs.remaining().map(t => t.tool)).toEqual(['lookup', 'refund']);
    await expect(stubs.call('lookup', { id: 7 })).resolves.toEqual({ order: 7, total: 30 });
    await expect(stubs.forTool('refund')({ amount: 30, id: 7 })).rejects.toBeInstanceOf(RecordedToolFailure);
    expect(stubs.remaining()).toEqual([]);
    await expect(stubs.call('lookup', { id: 7 })).rejects.toBeInstanceOf(ToolStubMismatchError);
  });

  it('rejects a call whose arguments differ from the recording, and returns the result hash by default', async () => {
    const fixture = firstFixture(await record([LOOKUP_THEN_REFUND_FAILS]));
    const stubs = toolStubsFromFixture(fixture);
    await expect(stubs.call('lookup', { id: 8 })).rejects.toThrow(/arguments differ/);
    const lenient = toolStubsFromFixture(fixture, { strictArgs: false });
    await expect(lenient.call('lookup', { id: 8 })).resolves.toEqual({ result_hash: fixture.tool_history[0]?.result_hash });
  });

  it('replays the recorded latency on request (fake timers)', async () => {
    vi.useFakeTimers();
    try {
      const fixture = firstFixture(await record([LOOKUP_THEN_REFUND_FAILS]));
      const entry = fixture.tool_history[0];
      const stubs = toolStubsFromFixture({ ...fixture, tool_history: entry ? [{ ...entry, latency_ms: 2840 }] : [] }, { replayLatency: true });
      let settled = false;
      const pending = stubs.call('lookup', { id: 7 }).then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(2839);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await pending;
      expect(settled).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
