export { AgentTriageSpanProcessor } from './processor/agent-triage-span-processor.js';
export type { AgentTriageSpanProcessorOptions } from './processor/options.js';
export type { Finding } from './engine/finding.js';
export { SIGNAL_IDS, SEVERITIES } from './signals/signal.js';
export type { Severity, Signal, SignalContext, SignalId, SignalReport, FindingDetails } from './signals/signal.js';
export type { SignalOverride } from './signals/signal-config.js';
export type { SpanView, SpanRole, PlannedToolCall, ConventionId, FinishReason } from './normalize/span-view.js';
export type { TurnView, StepSummary } from './turns/turn-view.js';
export type { ConventionAdapter, ConventionFields, TurnStart } from './normalize/adapter.js';
export { REMEDIATION_SURFACES, REMEDIATION_DECISIONS, loadTaxonomyFile } from './taxonomy/taxonomy.js';
export type { TaxonomyDefinition, Remediation } from './taxonomy/taxonomy.js';
export { ConfigError } from './config/config-error.js';
export {
  EVENT_TRIAGE_FAILURE,
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
  EVENT_TRIAGE_INSTRUMENTATION_HEALTH,
  ATTR_TRIAGE_HEALTH_CAUSE,
  ATTR_TRIAGE_HEALTH_FIELD,
  ATTR_TRIAGE_CONVENTION,
} from './emit/attributes.js';
