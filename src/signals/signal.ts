import type { SpanView } from '../normalize/span-view.js';
import type { TurnView } from '../turns/turn-view.js';

/** Every signal id, fixed: the scan CLI's output and other tools depend on them. */
export const SIGNAL_IDS = [
  'provider_error',
  'tool_error',
  'zero_tool_calls',
  'skipped_planned_call',
  'tool_latency_spike',
  'output_token_drop',
  'tool_result_mismatch',
  'satisfaction_drop',
] as const;
export type SignalId = (typeof SIGNAL_IDS)[number];

/** Signals users add themselves are namespaced so they never collide with built-in ids. */
export type CustomSignalId = `custom.${string}`;
export type SignalName = SignalId | CustomSignalId;
export const CUSTOM_SIGNAL_PATTERN = /^custom\.[a-z0-9_.-]+$/;

/** `hard`: page someone now. `soft`: log the evidence and flag it for review. */
export const SEVERITIES = ['hard', 'soft'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Small, flat facts about a finding; they become span-event attributes. */
export type FindingDetails = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** What a signal reports. The engine adds the signal's id, severity and action. */
export interface SignalReport {
  /** The span the finding concerns (an LLM step, a tool call, or the turn root). */
  readonly spanId: string;
  /** Overrides the signal's configured severity for this finding. */
  readonly severity?: Severity;
  readonly details?: FindingDetails;
}

export interface SignalContext {
  report(finding: SignalReport): void;
}

/**
 * A failure signal. Signals collect findings through `ctx.report` and never
 * throw on odd input; if one does anyway, the engine isolates and counts it.
 */
export interface Signal {
  readonly id: SignalName;
  /** Evaluated when a span ends, on that span alone (streaming). */
  onSpan?(span: SpanView, ctx: SignalContext): void;
  /** Evaluated once per turn, when the turn is decided. */
  onTurn?(turn: TurnView, ctx: SignalContext): void;
  toString(): string;
}
