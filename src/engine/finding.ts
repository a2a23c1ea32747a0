import { createHash } from 'node:crypto';
import type { Route } from '../routing/route.js';
import type { Remediation } from '../taxonomy/taxonomy.js';
import type { FindingDetails, FindingScope, Severity, SignalName } from '../signals/signal.js';

/** A signal's report once the engine has stamped it with the signal's identity and defaults. */
export interface RawFinding {
  readonly signal: SignalName;
  readonly severity: Severity;
  /** The immediate action from the failure-signal table. */
  readonly action: string;
  /** The span the finding concerns. */
  readonly spanId: string;
  readonly details: FindingDetails;
  /** `population` findings concern many turns; they never mark a turn failed. */
  readonly scope: FindingScope;
}

/** A classified failure: plain data, written to spans, metrics, the scan CLI and callbacks. */
export interface Finding extends RawFinding {
  readonly traceId: string;
  /** The root span of the turn the finding belongs to (where the turn-level events go); undefined when unknown. */
  readonly turnRootSpanId: string | undefined;
  readonly class: string;
  readonly secondaryClasses: readonly string[];
  readonly remediation: Remediation;
  /** The class's route applied to this failure (effective decision, retry attempt, handoff target). */
  readonly route: Route;
  /** Stable id of this kind of failure: signal + class + agent + tool. */
  readonly fingerprint: string;
  readonly agentName: string | undefined;
  /** The agent nested in the turn's agent whose span the finding concerns, when its name differs. */
  readonly innerAgentName?: string | undefined;
  readonly toolName: string | undefined;
  /** The turn was evicted or truncated before it could be seen whole. */
  readonly incomplete: boolean;
}

export function fingerprintOf(signal: SignalName, classId: string, agent: string | undefined, tool: string | undefined): string {
  const key = [signal, classId, agent ?? '', tool ?? ''].join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The tool a finding is about, when the signal recorded one. */
export function toolOf(details: FindingDetails): string | undefined {
  const tool = details['gen_ai.tool.name'];
  return typeof tool === 'string' ? tool : undefined;
}
