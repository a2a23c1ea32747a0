import type { ReportData } from './report-data.js';
import { TIME_TO_FIX_BUCKETS } from './report-data.js';
import { formatChange, formatDuration, formatTime, ROLLBACK_HEADERS, rollbackRow } from './format.js';
import { escapeHtml } from './html-escape.js';
import { colorsFor, stackedBarChart } from './svg-chart.js';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid #e4e4e4;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.up{color:#b00020}.down{color:#007a3d}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.25rem}svg{max-width:100%;height:auto}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
.note{color:#666}code{font-size:.9em}`;

/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script,
 * and a content security policy that forbids loading anything.
 */
export function htmlReport(data: ReportData): string {
  const color = colorsFor([...data.trends.map(t => t.class), ...data.fixes.map(f => f.class)]);
  const failuresChart = stackedBarChart({
    id: 'failures-by-week',
    title: 'Failures per class per week',
    categories: data.weeks,
    series: data.trends.map(t => ({ name: t.class, color: color(t.class), values: t.perWeek })),
    yLabel: 'failures',
  });
  const fixChart = stackedBarChart({
    id: 'time-to-fix',
    title: 'Time to fix, distribution by class',
    categories: TIME_TO_FIX_BUCKETS.map(b => b.label),
    series: data.fixes.map(f => ({ name: f.class, color: color(f.class), values: f.buckets })),
    yLabel: 'fixes',
  });
  const body = [
    `<h1>Agent triage report</h1>`,
    `<p class="note">${data.fixtureCount} fixtures, weeks ${escapeHtml(data.weeks[0] ?? '')} to ${escapeHtml(data.weeks.at(-1) ?? '')} (UTC)` +
      `${data.hasState ? '' : '; no loop state, so open fingerprints come from fixtures and time to fix is unknown'}.</p>`,
    ...(data.stateNote === '' ? [] : [`<p class="note">Loop state: ${escapeHtml(data.stateNote)}</p>`]),
    `<h2>Which classes grow</h2>`,
    failuresChart,
    table(
      ['class', 'last week', 'this week', 'change'],
      data.trends.map(t => [t.class, String(t.lastWeek), String(t.thisWeek), changeCell(t.thisWeek, t.lastWeek)]),
      [false, true, true, true],
    ),
    `<h2>Open fingerprints (${data.open.length})</h2>`,
    table(
      ['fingerprint', 'class', 'signal', 'agent', 'tool', 'first seen', 'last seen', 'seen', 'regressions'],
      data.open.map(o => [code(o.fingerprint), o.class, o.signal, o.agent ?? '', o.tool ?? '', formatTime(o.firstSeenMs), formatTime(o.lastSeenMs), String(o.occurrences), String(o.regressions)]),
      [false, false, false, false, false, false, false, true, true],
    ),
    `<h2>Time to fix</h2>`,
    fixChart,
    table(
      ['class', 'fixes', 'median', 'p90', 'max'],
      data.fixes.map(f => [f.class, String(f.count), formatDuration(f.medianSeconds), formatDuration(f.p90Seconds), formatDuration(f.maxSeconds)]),
      [false, true, true, true, true],
    ),
    `<h2>Rollback candidates</h2>`,
    table(
      ROLLBACK_HEADERS,
      data.rollbackCandidates.map(rollbackRow),
      [false, false, false, true, true, true, false],
    ),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent triage report</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Cells are escaped here unless they are already markup (`Markup`). */
type Cell = string | Markup;
interface Markup {
  readonly html: string;
}

function code(text: string): Markup {
  return { html: `<code>${escapeHtml(text)}</code>` };
}

function changeCell(current: number, previous: number): Markup {
  const cls = current > previous ? 'up' : current < previous ? 'down' : '';
  return { html: `<span class="${cls}">${escapeHtml(formatChange(current, previous))}</span>` };
}

function table(headers: readonly string[], rows: readonly (readonly Cell[])[], numeric: readonly boolean[]): string {
  if (rows.length === 0) return `<p class="note">None.</p>`;
  const cls = (i: number): string => (numeric[i] ? ' class="num"' : '');
  const cell = (c: Cell): string => (typeof c === 'string' ? escapeHtml(c) : c.html);
  const head = headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const lines = rows.map(r => `<tr>${r.map((c, i) => `<td${cls(i)}>${cell(c)}</td>`).join('')}</tr>`);
  return `<table><thead><tr>${head}</tr></thead><tbody>${lines.join('')}</tbody></table>`;
}
