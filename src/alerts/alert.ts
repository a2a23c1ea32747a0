import type { Finding } from '../engine/finding.js';

/** What an alert is about: a failure, a rollout that looks worse than its predecessor, or a fixed failure coming back. */
export type AlertKind = 'failure' | 'rollback_candidate' | 'regression';

/** One page-worthy event, transport-neutral; the sink renders it as Slack or generic JSON. */
export interface Alert {
  readonly kind: AlertKind;
  /** Alerts with the same key inside the dedupe window are sent once. */
  readonly dedupeKey: string;
  readonly title: string;
  /** Flat facts shown as fields (Slack) or an object (JSON), in this order. */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  /** Milliseconds since the epoch. */
  readonly timeMs: number;
}

/** A finding as an alert, keyed by its fingerprint so a failure that repeats pages once per window. */
export function alertOfFinding(finding: Finding, timeMs: number): Alert {
  const fields: Record<string, string | number | boolean> = {
    signal: finding.signal,
    class: finding.class,
    severity: finding.severity,
    action: finding.action,
    owner: finding.remediation.owner,
    surface: finding.remediation.surface,
    decision: finding.remediation.decision,
    fingerprint: finding.fingerprint,
    trace_id: finding.traceId,
    span_id: finding.spanId,
  };
  if (finding.agentName !== undefined) fields['agent'] = finding.agentName;
  if (finding.toolName !== undefined) fields['tool'] = finding.toolName;
  const where = [finding.agentName, finding.toolName].filter(part => part !== undefined).join(' / ');
  return {
    kind: 'failure',
    dedupeKey: `failure:${finding.fingerprint}`,
    title: `${finding.severity} failure: ${finding.signal} (${finding.class})${where === '' ? '' : ` in ${where}`}`,
    fields,
    timeMs,
  };
}
