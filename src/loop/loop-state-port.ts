import type { LoopState } from './loop-state.js';

/**
 * Where the loop keeps its state between runs. `load` runs once at
 * construction and may return a promise (the loop runs on fresh state until
 * it settles, then merges); `save` is called off the span path.
 */
export interface LoopStatePort {
  /** The saved state, unvalidated, or undefined when there is none. */
  load(): unknown;
  save(state: LoopState): Promise<void>;
}
