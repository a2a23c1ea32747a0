import type { Fixture, ToolHistoryEntry } from '../fixtures/fixture-schema.js';

/** Facts about the deployment a fixture cannot know; given by the user, null when not. */
export interface IncidentContext {
  readonly approvalPolicy?: string | undefined;
  readonly toolConfiguration?: string | undefined;
  /** What started the incident (new prompt version, model-lane switch...), when known. */
  readonly trigger?: string | undefined;
  /** The control that should have contained it (eval gap, missing canary...), when known. */
  readonly failedControl?: string | undefined;
}

/** The incident-review record of one failure. */
export interface IncidentRecord {
  readonly incident_id: string;
  readonly date: string;
  readonly detection_source: string;
  readonly workflow: string;
  readonly severity: string;
  readonly failure_class: { readonly primary: string; readonly secondary: readonly string[]; readonly taxonomy: string };
  readonly run_ids: { readonly trace_id: string; readonly turn_root_span_id: string; readonly span_id: string; readonly session_id: string };
  readonly agent_version: string | null;
  readonly model_lane: string | null;
  readonly tool_configuration: string;
  readonly approval_policy: string | null;
  readonly containment_action: string;
  readonly customer_visible: boolean;
  readonly trigger: string | null;
  readonly failed_control: string | null;
}

/** What the person or fallback path taking the case over needs, so the rescue is not a rediscovery. */
export interface HandoffPacket {
  readonly handoff_target: string;
  readonly owner: string;
  readonly task: string;
  readonly evidence_used: readonly string[];
  readonly tools_called: readonly ToolHistoryEntry[];
  readonly what_failed: { readonly signal: string; readonly failure_type: string; readonly span_id: string; readonly details: Fixture['details'] };
  readonly likely_next_action: string;
  readonly evidence_preserved: readonly string[];
  readonly rollback_trigger: string;
}

/** What a handoff packet holds: the handoff for whoever takes over, and the incident record. */
export interface HandoffDocument {
  readonly fixture_id: string;
  readonly handoff: HandoffPacket;
  readonly incident: IncidentRecord;
}

/** The handoff packet and incident record of a fixture's failure. */
export function handoffDocumentOf(fixture: Fixture, context: IncidentContext = {}): HandoffDocument {
  const { route } = fixture;
  const workflow = fixture.agent_name ?? (fixture.replay.root.name || 'unknown workflow');
  const toolNames = [...new Set(fixture.tool_history.map(t => t.tool))];
  return {
    fixture_id: fixture.fixture_id,
    handoff: {
      handoff_target: route.handoff_target,
      owner: route.owner,
      task: taskOf(fixture, workflow),
      evidence_used: evidenceUsed(fixture),
      tools_called: fixture.tool_history,
      what_failed: { signal: fixture.failure_signal, failure_type: fixture.failure_type, span_id: fixture.span_id, details: fixture.details },
      likely_next_action: `${route.path} (${route.surface}, owner: ${route.owner})`,
      evidence_preserved: [...route.evidence, `fixture ${fixture.fixture_id}.json`],
      rollback_trigger: route.rollback_trigger,
    },
    incident: {
      incident_id: fixture.fixture_id,
      date: fixture.recorded_at,
      detection_source: `agent-triage ${fixture.detection_source}, signal ${fixture.failure_signal}`,
      workflow,
      severity: fixture.severity,
      failure_class: { primary: fixture.class, secondary: fixture.secondary_classes, taxonomy: fixture.taxonomy },
      run_ids: { trace_id: fixture.trace_id, turn_root_span_id: fixture.turn_root_span_id, span_id: fixture.span_id, session_id: fixture.session_id },
      agent_version: fixture.agent_version,
      model_lane: [fixture.context_env.model, fixture.context_env.region].filter(v => v !== null).join(' @ ') || null,
      tool_configuration: context.toolConfiguration ?? (toolNames.length > 0 ? `tools called: ${toolNames.join(', ')}` : 'no tool called'),
      approval_policy: context.approvalPolicy ?? null,
      containment_action: containmentOf(fixture),
      customer_visible: fixture.customer_visible,
      trigger: context.trigger ?? null,
      failed_control: context.failedControl ?? null,
    },
  };
}

function taskOf(fixture: Fixture, workflow: string): string {
  const firstUser = fixture.messages.find(m => m.role === 'user');
  if (firstUser) return firstUser.content;
  return `${workflow} turn ${fixture.turn_root_span_id} (message content not captured)`;
}

function evidenceUsed(fixture: Fixture): string[] {
  const evidence = fixture.tool_history.map(t => `${t.tool} result ${t.result_hash ?? '(not captured)'} (${t.status})`);
  if (!fixture.messages_redacted) evidence.push(`${fixture.messages.length} messages`);
  return evidence;
}

function containmentOf(fixture: Fixture): string {
  const { route } = fixture;
  if (route.decision === 'retry') return `bounded retry, attempt ${route.retry_attempt ?? '?'} of ${route.max_attempts ?? '?'}`;
  const why = route.reason === 'class' ? '' : ` (retry refused: ${route.reason.replaceAll('_', ' ')})`;
  if (route.stops_run) return `run stopped before its next step${why}; handed off to ${route.handoff_target}`;
  return `logged and routed to ${route.handoff_target}${why}; the run was not stopped (${fixture.severity} failure)`;
}

/** The same document as Markdown, for a ticket or a chat message. */
export function handoffMarkdown(doc: HandoffDocument): string {
  const { handoff: h, incident: i } = doc;
  const row = (key: string, value: string | boolean | null): string => `| ${key} | ${cell(value === null ? '(unknown)' : String(value))} |`;
  const lines = [
    `# Incident ${i.incident_id}: ${h.what_failed.signal} (${i.failure_class.primary})`,
    '',
    '## Handoff',
    '',
    `**Hand off to:** ${h.handoff_target} (owner: ${h.owner})`,
    '',
    `**Task:** ${h.task}`,
    '',
    `**What failed:** \`${h.what_failed.signal}\` (${h.what_failed.failure_type}) on span \`${h.what_failed.span_id}\``,
    '',
    `**Likely next action:** ${h.likely_next_action}`,
    '',
    '**Tools called:**',
    '',
    '| tool | status | latency ms | args | result |',
    '| --- | --- | --- | --- | --- |',
    ...h.tools_called.map(t => `| ${cell(t.tool)} | ${t.status} | ${t.latency_ms} | ${short(t.args_hash)} | ${short(t.result_hash)} |`),
    '',
    `**Evidence used:** ${h.evidence_used.length > 0 ? h.evidence_used.join('; ') : '(none recorded)'}`,
    '',
    `**Evidence preserved:** ${h.evidence_preserved.join(', ')}`,
    '',
    `**Rollback trigger:** ${h.rollback_trigger}`,
    '',
    '## Incident record',
    '',
    '| field | value |',
    '| --- | --- |',
    row('incident id', i.incident_id),
    row('date', i.date),
    row('detection source', i.detection_source),
    row('workflow', i.workflow),
    row('severity', i.severity),
    row('failure class', [i.failure_class.primary, ...i.failure_class.secondary].join(', ') + ` (${i.failure_class.taxonomy})`),
    row('run ids', `trace ${i.run_ids.trace_id}, turn ${i.run_ids.turn_root_span_id}, span ${i.run_ids.span_id}, session ${i.run_ids.session_id}`),
    row('agent version', i.agent_version),
    row('model lane', i.model_lane),
    row('tool configuration', i.tool_configuration),
    row('approval policy', i.approval_policy),
    row('containment action', i.containment_action),
    row('customer visible', i.customer_visible),
    row('trigger', i.trigger),
    row('failed control', i.failed_control),
    '',
  ];
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function short(hash: string | null): string {
  return hash === null ? '-' : `\`${hash.slice(0, 19)}…\``;
}
