import type { Fixture, ToolHistoryEntry } from '../fixtures/fixture-schema.js';
import { DEFAULT_MAX_CONTENT_CHARS } from '../normalize/attribute-reader.js';
import { digestAttribute, hashValue, sha256Of } from '../normalize/content-hash.js';

/** A stubbed call that differs from the recording (another tool, other arguments, or one call too many). */
export class ToolStubMismatchError extends Error {
  override readonly name = 'ToolStubMismatchError';
}

/** The recorded tool call failed; the stub fails the same way. */
export class RecordedToolFailure extends Error {
  override readonly name = 'RecordedToolFailure';
  readonly entry: ToolHistoryEntry;

  constructor(entry: ToolHistoryEntry) {
    super(`${entry.tool} failed in the recorded run (${entry.status})`);
    this.entry = entry;
  }
}

/** Options of `toolStubsFromFixture`: results by hash, strict arguments, recorded latency. */
export interface ToolStubOptions {
  /**
   * What a stub returns for a recorded call that succeeded. Fixtures keep
   * hashes, not results: supply results by `result_hash`, or a function. By
   * default a stub returns `{ result_hash }`.
   */
  readonly results?: Readonly<Record<string, unknown>> | ((entry: ToolHistoryEntry) => unknown);
  /** Check each call's arguments against the recorded `args_hash` (when one was recorded). Default true. */
  readonly strictArgs?: boolean;
  /** Resolve after the recorded latency (use fake timers in tests). Default false. */
  readonly replayLatency?: boolean;
}

/** Tool stubs that answer a reproduction's calls in the recorded order (from `toolStubsFromFixture`). */
export interface ToolStubs {
  /** Calls the next recorded call of `tool`, in recorded order. */
  call(tool: string, args?: unknown): Promise<unknown>;
  /** A function stub for one tool, e.g. to plug into an agent's tool table. */
  forTool(tool: string): (args?: unknown) => Promise<unknown>;
  /** Recorded calls not made yet: a reproduction that skips a call shows here. */
  remaining(): ToolHistoryEntry[];
}

/**
 * Deterministic tool stubs from a fixture's tool history: each tool answers
 * its recorded calls in order, failing where the recording failed, so a
 * test can drive the user's own agent through the same run.
 */
export function toolStubsFromFixture(fixture: Fixture, options: ToolStubOptions = {}): ToolStubs {
  const queues = new Map<string, ToolHistoryEntry[]>();
  for (const entry of fixture.tool_history) {
    const queue = queues.get(entry.tool) ?? [];
    queue.push(entry);
    queues.set(entry.tool, queue);
  }
  const strictArgs = options.strictArgs ?? true;

  const resultOf = (entry: ToolHistoryEntry): unknown => {
    const { results } = options;
    if (typeof results === 'function') return results(entry);
    if (results && entry.result_hash !== null && entry.result_hash in results) return results[entry.result_hash];
    return { result_hash: entry.result_hash };
  };

  const call = async (tool: string, args?: unknown): Promise<unknown> => {
    const entry = queues.get(tool)?.shift();
    if (!entry) throw new ToolStubMismatchError(`${tool}: no recorded call left in fixture ${fixture.fixture_id}`);
    if (strictArgs && entry.args_hash !== null && args !== undefined && argsHash(args) !== entry.args_hash) {
      throw new ToolStubMismatchError(`${tool}: arguments differ from the recorded call ${entry.call_id ?? entry.span_id} (${entry.args_hash})`);
    }
    if (options.replayLatency === true && entry.latency_ms > 0) {
      await new Promise(resolve => setTimeout(resolve, entry.latency_ms));
    }
    if (entry.status === 'hard_fail') throw new RecordedToolFailure(entry);
    return resultOf(entry);
  };

  return {
    call,
    forTool: tool => args => call(tool, args),
    remaining: () => fixture.tool_history.filter(entry => queues.get(entry.tool)?.includes(entry) === true),
  };
}

/** Arguments hash the way the recording did: objects canonically, JSON strings parsed first. */
function argsHash(args: unknown): string {
  return typeof args === 'string' ? sha256Of(digestAttribute(args, DEFAULT_MAX_CONTENT_CHARS)) : hashValue(args);
}
