import { z } from 'zod';
import type { LoopEvent } from './loop-events.js';
import type { LoopStatePort } from './loop-state-port.js';

const positiveInt = z.number().int().positive();
const isFunction = (value: unknown): boolean => typeof value === 'function';

export const loopOptionsSchema = z.strictObject({
  /** Turns a newer agent version must handle without a failure before that failure counts as fixed. */
  fixAfterTurns: positiveInt.default(100),
  /** Failure fingerprints remembered; past it the least recently seen fixed one (else open one) is forgotten. */
  maxFingerprints: positiveInt.default(10_000),
  maxVersionsPerAgent: positiveInt.default(20),
  maxAgents: positiveInt.default(1000),
  /** Fixes kept in state for `agent-triage report`. */
  maxFixRecords: positiveInt.default(1000),
  rollout: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** One-sided significance level of the two-proportion z-test. */
      alpha: z.number().gt(0).max(0.5).default(0.01),
      /** Turns each version needs before two versions are compared. */
      minTurns: z.number().int().min(10).default(200),
    })
    .prefault({}),
  /** Where the loop state lives between runs. The default is the processor's state store (option `state`). */
  state: z
    .custom<LoopStatePort>(
      value => typeof value === 'object' && value !== null && ['load', 'save'].every(m => isFunction((value as Record<string, unknown>)[m])),
      'expected a state port (load, save)',
    )
    .optional(),
  /** How often changed loop state is handed to the store (which saves on its own interval), besides forceFlush and shutdown. */
  saveIntervalMs: z.number().int().min(1000).default(60_000),
  /** Called for each fix, regression and rollback candidate. Errors it throws are counted and ignored. */
  onEvent: z.custom<(event: LoopEvent) => void>(isFunction, 'expected a function').optional(),
});
/** The `loop` option: fix tracking, regressions and rollout regressions. */
export type LoopOptions = z.input<typeof loopOptionsSchema>;
export type ResolvedLoopOptions = z.output<typeof loopOptionsSchema>;
