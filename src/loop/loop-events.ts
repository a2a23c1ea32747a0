import type { FingerprintRecord, FixRecord, RollbackCandidate } from './loop-state.js';

/** What the loop tells `onEvent` and the alert sink. */
export type LoopEvent =
  | { readonly type: 'fixed'; readonly record: FingerprintRecord; readonly fix: FixRecord }
  | { readonly type: 'regressed'; readonly record: FingerprintRecord; readonly previousFixInVersion: string | null }
  | { readonly type: 'rollback_candidate'; readonly candidate: RollbackCandidate };
