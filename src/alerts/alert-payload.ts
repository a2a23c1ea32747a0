import type { Alert } from './alert.js';

export const ALERT_FORMATS = ['slack', 'json'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

/** Slack's limit on the fields of one section block. */
const SLACK_MAX_FIELDS = 10;

/** The request body for one alert; `suppressed` is how many duplicates the dedupe window held back before it. */
export function alertPayload(alert: Alert, format: AlertFormat, suppressed: number): unknown {
  return format === 'slack' ? slackPayload(alert, suppressed) : jsonPayload(alert, suppressed);
}

function jsonPayload(alert: Alert, suppressed: number): unknown {
  return {
    type: 'agent_triage.alert',
    kind: alert.kind,
    title: alert.title,
    dedupe_key: alert.dedupeKey,
    time: new Date(alert.timeMs).toISOString(),
    suppressed_duplicates: suppressed,
    fields: alert.fields,
  };
}

/** An incoming-webhook message: `text` for notifications and clients without blocks, blocks for the detail. */
function slackPayload(alert: Alert, suppressed: number): unknown {
  const note = suppressed > 0 ? ` (+${suppressed} similar since the last alert)` : '';
  const text = `${escapeSlack(alert.title)}${note}`;
  const fields = Object.entries(alert.fields)
    .slice(0, SLACK_MAX_FIELDS)
    .map(([key, value]) => ({ type: 'mrkdwn', text: `*${escapeSlack(key)}*\n${escapeSlack(String(value))}` }));
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'section', fields },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `agent-triage ${alert.kind} · ${new Date(alert.timeMs).toISOString()}` }] },
    ],
  };
}

/** Slack treats `&`, `<` and `>` as control characters in message text. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
