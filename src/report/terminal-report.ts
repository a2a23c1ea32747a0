import type { ReportData } from './report-data.js';
import { formatChange, formatDuration, formatTime, ROLLBACK_HEADERS, rollbackRow } from './format.js';

/** The report as plain-text tables for a terminal. */
export function terminalReport(data: ReportData): string {
  const weeks = data.weeks.map(w => w.slice(5)); // W47
  const out: string[] = [];
  out.push(`Failures per class, week over week (${data.weeks[0] ?? ''} to ${data.weeks.at(-1) ?? ''}, ${data.fixtureCount} fixtures)`);
  out.push(
    ...table(
      ['class', ...weeks, 'change'],
      data.trends.map(t => [t.class, ...t.perWeek.map(String), formatChange(t.thisWeek, t.lastWeek)]),
    ),
  );
  if (data.stateNote !== '') out.push(`Loop state: ${data.stateNote}`);
  out.push('', `Open fingerprints (${data.open.length})${data.hasState ? '' : ' — no loop state: every fingerprint seen in fixtures'}`);
  out.push(
    ...table(
      ['fingerprint', 'class', 'signal', 'agent', 'tool', 'first seen', 'last seen', 'seen', 'regressions'],
      data.open.map(o => [o.fingerprint, o.class, o.signal, o.agent ?? '', o.tool ?? '', formatTime(o.firstSeenMs), formatTime(o.lastSeenMs), String(o.occurrences), String(o.regressions)]),
    ),
  );
  out.push('', 'Time to fix per class');
  if (data.hasState) {
    out.push(
      ...table(
        ['class', 'fixes', 'median', 'p90', 'max'],
        data.fixes.map(f => [f.class, String(f.count), formatDuration(f.medianSeconds), formatDuration(f.p90Seconds), formatDuration(f.maxSeconds)]),
      ),
    );
  } else {
    out.push('  (needs the loop state: pass --state)');
  }
  if (data.rollbackCandidates.length > 0) {
    out.push('', 'Rollback candidates');
    out.push(...table(ROLLBACK_HEADERS, data.rollbackCandidates.map(rollbackRow)));
  }
  return `${out.join('\n')}\n`;
}

/** Columns padded to their widest cell; numbers right-aligned. */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return ['  (none)'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every(r => /^[-+\d.%=▲▼ ]*$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [line(headers), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)];
}
