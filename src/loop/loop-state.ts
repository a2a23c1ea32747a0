import { z } from 'zod';

/**
 * The loop's persistent state as plain JSON: per-agent version history (the
 * denominators) and per-fingerprint lifecycle. Validated on load, so a state
 * file from an older build or edited by hand is rejected with the key named.
 */
const versionStats = z.strictObject({
  version: z.string(),
  firstSeenMs: z.number(),
  turns: z.number().int().min(0),
  failedTurns: z.number().int().min(0),
  /** Turn count at which the rollout test runs next (it runs at minTurns, then at each doubling). */
  nextTestAtTurns: z.number().int().min(0),
  flagged: z.boolean(),
});
/** Turns and failed turns the loop counted for one agent version. */
export type VersionStats = z.output<typeof versionStats>;

export const FINGERPRINT_STATUSES = ['open', 'fixed'] as const;
export const FIXED_BY = ['auto', 'manual'] as const;
export type FixedBy = (typeof FIXED_BY)[number];

const fingerprintRecord = z.strictObject({
  fingerprint: z.string().min(1),
  signal: z.string(),
  class: z.string(),
  agent: z.string().nullable(),
  tool: z.string().nullable(),
  firstSeenMs: z.number(),
  /** Start of the current episode: first seen, or the last regression. Time to fix is measured from here. */
  openedMs: z.number(),
  lastSeenMs: z.number(),
  lastSeenVersion: z.string().nullable(),
  occurrences: z.number().int().min(0),
  /** Turns of versions newer than `lastSeenVersion` without this failure since it was last seen. */
  cleanTurns: z.number().int().min(0),
  status: z.enum(FINGERPRINT_STATUSES),
  fixedAtMs: z.number().nullable(),
  fixedInVersion: z.string().nullable(),
  fixedBy: z.enum(FIXED_BY).nullable(),
  regressions: z.number().int().min(0),
});
/** What the loop knows of one failure fingerprint: first and last seen, count, version, open or fixed. */
export type FingerprintRecord = z.output<typeof fingerprintRecord>;

const rollbackCandidate = z.strictObject({
  agent: z.string().nullable(),
  version: z.string(),
  previousVersion: z.string(),
  turns: z.number().int(),
  failedTurns: z.number().int(),
  previousTurns: z.number().int(),
  previousFailedTurns: z.number().int(),
  z: z.number(),
  pValue: z.number(),
  alpha: z.number(),
  detectedAtMs: z.number(),
});
/** A version whose failed-turn rate rose significantly over the previous version's (two-proportion z-test). */
export type RollbackCandidate = z.output<typeof rollbackCandidate>;

/** A fix that happened: also kept in state so `report` can show time to fix per class. */
const fixRecord = z.strictObject({
  fingerprint: z.string(),
  class: z.string(),
  seconds: z.number().min(0),
  fixedAtMs: z.number(),
  fixedBy: z.enum(FIXED_BY),
});
/** A fix the loop recorded: fingerprint, class, how (auto or manual) and the time it took. */
export type FixRecord = z.output<typeof fixRecord>;

export const LOOP_STATE_VERSION = 1;

export const loopStateSchema = z.strictObject({
  schemaVersion: z.literal(LOOP_STATE_VERSION),
  /** Per agent ('' when unknown), its versions in the order first observed. */
  agents: z.array(z.strictObject({ agent: z.string(), versions: z.array(versionStats) })),
  fingerprints: z.array(fingerprintRecord),
  fixes: z.array(fixRecord),
  rollbackCandidates: z.array(rollbackCandidate),
});
/** The triage loop's persisted state: fingerprints, per-agent version counts, recent fixes and rollback candidates. */
export type LoopState = z.output<typeof loopStateSchema>;

export function emptyLoopState(): LoopState {
  return { schemaVersion: LOOP_STATE_VERSION, agents: [], fingerprints: [], fixes: [], rollbackCandidates: [] };
}
