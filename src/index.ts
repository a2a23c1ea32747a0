export { AgentTriageSpanProcessor } from './processor/agent-triage-span-processor.js';
export type { AgentTriageSpanProcessorOptions, HealthNoticeRecord, StateOptions } from './processor/options.js';
export { defaultStatePath, STATE_PATH_ENV } from './state/state-path.js';
export type { FeedbackInput } from './processor/feedback.js';
export type { StatePersistence, StateSnapshot, JsonValue } from './state/state-snapshot.js';
export type { StateNamespace } from './state/state-store.js';
export { FileStatePersistence } from './state/file-persistence.js';
export type { Finding } from './engine/finding.js';
export { SIGNAL_IDS, SEVERITIES, FINDING_SCOPES, HEALTH_CAUSES } from './signals/signal.js';
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
  HealthCause,
  FeedbackRecord,
} from './signals/signal.js';
export type { ConfiguredSignal } from './signals/registry.js';
export type { SignalOverride } from './signals/signal-config.js';
export type { SpanView, SpanRole, PlannedToolCall, ConventionId, FinishReason, SpanEventView, SpanOutcome } from './normalize/span-view.js';
export type { AttributeReader } from './normalize/attribute-reader.js';
export type { HealthSignal } from './health/instrumentation-health.js';
export type { FixtureReadResult, FixtureFile } from './replay/read-fixtures.js';
export type { StateFileName } from './state/state-path.js';
export { sha256Of } from './normalize/content-hash.js';
export type { ContentDigest } from './normalize/content-hash.js';
export type { TurnView, StepSummary, StepError, StepMessage } from './turns/turn-view.js';
export type { ConventionAdapter, ConventionFields, TurnStart } from './normalize/adapter.js';
export { REMEDIATION_SURFACES, REMEDIATION_DECISIONS, EVIDENCE_KINDS, TAXONOMY_PRESETS, loadTaxonomyFile, resolveTaxonomy } from './taxonomy/taxonomy.js';
export type { TaxonomyDefinition, TaxonomyPreset, Remediation, EvidenceKind } from './taxonomy/taxonomy.js';
export { TriageStopError } from './routing/failure-router.js';
export type { Route, RouteReason } from './routing/route.js';
export type { FixtureOptions } from './fixtures/fixture-options.js';
export { fixtureSchema } from './fixtures/fixture-schema.js';
export type { Fixture, ToolHistoryEntry, ToolStatus } from './fixtures/fixture-schema.js';
export { readFixtures, parseFixture } from './replay/read-fixtures.js';
export { FixtureReplayer } from './replay/fixture-replayer.js';
export type { ReplayOptions, ReplayResult, ReplayStatus, ReplayedFinding } from './replay/fixture-replayer.js';
export { toolStubsFromFixture, ToolStubMismatchError, RecordedToolFailure } from './replay/tool-stubs.js';
export type { ToolStubs, ToolStubOptions } from './replay/tool-stubs.js';
export { handoffDocumentOf, handoffMarkdown } from './handoff/handoff-packet.js';
export type { HandoffDocument, HandoffPacket, IncidentRecord, IncidentContext } from './handoff/handoff-packet.js';
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
  ATTR_TRIAGE_ROUTE_DECISION,
  ATTR_TRIAGE_ROUTE_REASON,
  ATTR_TRIAGE_ROUTE_STOPS_RUN,
  ATTR_TRIAGE_ROUTE_RETRY_ATTEMPT,
  ATTR_TRIAGE_ROUTE_MAX_ATTEMPTS,
  ATTR_TRIAGE_ROUTE_HANDOFF_TARGET,
  ATTR_TRIAGE_ROUTE_EVIDENCE,
  ATTR_TRIAGE_ROUTE_ROLLBACK_TRIGGER,
  ATTR_TRIAGE_FIXTURE_ID,
  ATTR_TRIAGE_TURN_OUTCOME,
  ATTR_TRIAGE_FAILURE_CLASSES,
  ATTR_TRIAGE_FAILURE_SIGNALS,
  ATTR_TRIAGE_FAILURE_COUNT,
  ATTR_TRIAGE_TURN_INCOMPLETE,
  EVENT_TRIAGE_INSTRUMENTATION_HEALTH,
  ATTR_TRIAGE_HEALTH_CAUSE,
  ATTR_TRIAGE_HEALTH_FIELD,
  ATTR_TRIAGE_HEALTH_SUBJECT,
  ATTR_TRIAGE_CONVENTION,
} from './emit/attributes.js';
export type { TriageLoop, LoopObservation } from './loop/triage-loop.js';
export type { LoopOptions } from './loop/loop-options.js';
export type { LoopEvent } from './loop/loop-events.js';
export type { LoopStatePort } from './loop/loop-state-port.js';
export type { LoopState, FingerprintRecord, FixRecord, RollbackCandidate, VersionStats } from './loop/loop-state.js';
export type { WebhookAlertOptions } from './alerts/webhook-options.js';
export type { AlertKind } from './alerts/alert.js';
export { ATTR_TRIAGE_FIXED_BY } from './emit/attributes.js';
