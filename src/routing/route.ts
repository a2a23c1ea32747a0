import type { RawFinding } from '../engine/finding.js';
import type { EvidenceKind, Remediation, RemediationDecision } from '../taxonomy/taxonomy.js';

/**
 * Why the effective decision is what it is: the class's own decision, or a
 * retry turned into a stop because the step was not safe to repeat or the
 * retry budget was spent (fail closed, never retry blindly).
 */
export type RouteReason = 'class' | 'not_transient' | 'not_idempotent' | 'retries_exhausted';

/** The route one failure takes: its class's remediation applied to this failure. */
export interface Route {
  /** The effective decision: the class's, except a retry that is not allowed here becomes a stop. */
  readonly decision: RemediationDecision;
  readonly reason: RouteReason;
  /** True when the agent must not take its next step on its own (a hard failure routed to stop or handoff). */
  readonly stopsRun: boolean;
  /** For a retry: this failure's attempt number in its trace (1-based), and the bound. */
  readonly retryAttempt: number | undefined;
  readonly maxAttempts: number | undefined;
  readonly handoffTarget: string;
  readonly owner: string;
  readonly evidence: readonly EvidenceKind[];
  readonly rollbackTrigger: string;
}

export interface RetryContext {
  /** Tools whose calls can be repeated safely; LLM calls always can. */
  readonly idempotentTools: ReadonlySet<string>;
  /** Retries already granted in this trace for the same signal and tool. */
  readonly attemptsSoFar: number;
}

/**
 * Applies a class's remediation to one failure. A retry is granted only for a
 * transient failure (`details.transient === true`) of an idempotent step
 * within the class's `maxAttempts`; anything else that asked for a retry
 * stops. Soft failures never stop the run: they are logged and routed.
 */
export function routeOf(raw: RawFinding, toolName: string | undefined, remediation: Remediation, retry: RetryContext): Route {
  let decision = remediation.decision;
  let reason: RouteReason = 'class';
  let retryAttempt: number | undefined;
  const maxAttempts = remediation.retry?.maxAttempts;
  if (decision === 'retry') {
    if (raw.details['transient'] !== true) reason = 'not_transient';
    else if (toolName !== undefined && !retry.idempotentTools.has(toolName)) reason = 'not_idempotent';
    else if (retry.attemptsSoFar >= (maxAttempts ?? 0)) reason = 'retries_exhausted';
    else retryAttempt = retry.attemptsSoFar + 1;
    if (reason !== 'class') decision = 'stop';
  }
  return {
    decision,
    reason,
    stopsRun: raw.severity === 'hard' && decision !== 'retry',
    retryAttempt,
    maxAttempts,
    handoffTarget: remediation.handoffTarget,
    owner: remediation.owner,
    evidence: remediation.evidence,
    rollbackTrigger: remediation.rollbackTrigger,
  };
}
