export { AgentTriageSpanProcessor } from './processor/agent-triage-span-processor.js';
export type { AgentTriageSpanProcessorOptions, HealthNoticeRecord, StateOptions } from './processor/options.js';
export { DEFAULT_STATE_PATH } from './processor/options.js';
export type { FeedbackInput } from './processor/feedback.js';
export type { StatePersistence, StateSnapshot, JsonValue } from './state/state-snapshot.js';
export type { StateNamespace } from './state/state-store.js';
export { FileStatePersistence } from './state/file-persistence.js';
export type { Finding } from './engine/finding.js';
export { SIGNAL_IDS, SEVERITIES, FINDING_SCOPES } from './signals/signal.js';
export type {
  Severity,
  Signal,
  SignalContext,
  SignalDeps,
  SignalId,
  CustomSignalId,
  SignalName,
  SignalReport,
  FindingDetails,
  FindingScope,
  HealthNotice,
  FeedbackRecord,
} from './signals/signal.js';
export type { ConfiguredSignal } from './signals/registry.js';
export type { SignalOverride } from './signals/signal-config.js';
export type { SpanView, SpanRole, PlannedToolCall, ConventionId } from './normalize/span-view.js';
export type { TurnView, StepSummary } from './turns/turn-view.js';
export type { ConventionAdapter, ConventionFields } from './normalize/adapter.js';
export { REMEDIATION_SURFACES, REMEDIATION_DECISIONS, loadTaxonomyFile } from './taxonomy/taxonomy.js';
export type { TaxonomyDefinition, Remediation } from './taxonomy/taxonomy.js';
export { ConfigError } from './config/config-error.js';
export {
  EVENT_TRIAGE_FAILURE,
  EVENT_TRIAGE_POPULATION_FINDING,
  ATTR_TRIAGE_SIGNAL,
  ATTR_TRIAGE_CLASS,
  ATTR_TRIAGE_SECONDARY_CLASSES,
  ATTR_TRIAGE_SEVERITY,
  ATTR_TRIAGE_ACTION,
  ATTR_TRIAGE_REMEDIATION_SURFACE,
  ATTR_TRIAGE_REMEDIATION_OWNER,
  ATTR_TRIAGE_REMEDIATION_DECISION,
  ATTR_TRIAGE_FINGERPRINT,
  ATTR_TRIAGE_SPAN_ID,
  ATTR_TRIAGE_DETAIL_PREFIX,
  ATTR_TRIAGE_TURN_OUTCOME,
  ATTR_TRIAGE_FAILURE_CLASSES,
  ATTR_TRIAGE_FAILURE_SIGNALS,
  ATTR_TRIAGE_FAILURE_COUNT,
  ATTR_TRIAGE_TURN_INCOMPLETE,
} from './emit/attributes.js';
export type { TriageLoop, LoopObservation } from './loop/triage-loop.js';
export type { LoopOptions } from './loop/loop-options.js';
export type { LoopEvent } from './loop/loop-events.js';
export type { LoopStatePort } from './loop/loop-state-port.js';
export type { LoopState, FingerprintRecord, FixRecord, RollbackCandidate, VersionStats } from './loop/loop-state.js';
export type { WebhookAlertOptions } from './alerts/webhook-options.js';
export type { AlertKind } from './alerts/alert.js';
export { ATTR_TRIAGE_FIXED_BY } from './emit/attributes.js';
