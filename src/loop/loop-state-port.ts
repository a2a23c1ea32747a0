import type { LoopState } from './loop-state.js';

/**
 * Where the loop keeps its state between runs. The processor binds it to a
 * key of its state store (the file that also keeps the signals' baselines);
 * implement it to keep loop state elsewhere. Both calls are synchronous: the
 * store persists in the background.
 */
export interface LoopStatePort {
  /** The saved state, unvalidated, or undefined when there is none. Read once, at construction. */
  load(): unknown;
  save(state: LoopState): void;
}
