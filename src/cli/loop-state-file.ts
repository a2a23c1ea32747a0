import { readFileSync } from 'node:fs';
import { describeZodError } from '../config/config-error.js';
import { LOOP_STATE_KEY, LOOP_STATE_NAMESPACE } from '../loop/create-loop.js';
import { loopStateSchema } from '../loop/loop-state.js';
import type { LoopState } from '../loop/loop-state.js';
import { stateSnapshotSchema } from '../state/state-snapshot.js';

export type LoopStateRead = { ok: true; state: LoopState | undefined } | { ok: false; error: string };

/**
 * Reads the loop's value out of a state file without touching the file (the
 * report is read-only). A missing file, or a file without loop state, gives
 * `state: undefined`.
 */
export function readLoopStateFile(path: string): LoopStateRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, state: undefined };
    return { ok: false, error: `${path}: cannot read: ${(error as Error).message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `${path}: not JSON: ${(error as Error).message}` };
  }
  const snapshot = stateSnapshotSchema.safeParse(raw);
  if (!snapshot.success) return { ok: false, error: describeZodError(path, snapshot.error) };
  const entry = snapshot.data.entries.find(([namespace, key]) => namespace === LOOP_STATE_NAMESPACE && key === LOOP_STATE_KEY);
  if (!entry) return { ok: true, state: undefined };
  const state = loopStateSchema.safeParse(entry[2]);
  if (!state.success) return { ok: false, error: describeZodError(`${path} (loop state)`, state.error) };
  return { ok: true, state: state.data };
}
