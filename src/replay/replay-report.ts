import type { ReplayResult } from './fixture-replayer.js';

export interface ReplayReport {
  readonly total: number;
  readonly same: number;
  readonly changed: number;
  /** Files that could not be read or are not valid fixtures. */
  readonly invalid: readonly string[];
  readonly results: readonly (ReplayResult & { readonly path: string })[];
}

export function summarize(results: ReplayReport['results'], invalid: readonly string[]): ReplayReport {
  const same = results.filter(r => r.status === 'same').length;
  return { total: results.length, same, changed: results.length - same, invalid, results };
}

/** One line per changed fixture, then a summary: what a person reads in CI's log. */
export function textReport(report: ReplayReport): string {
  const lines = report.results
    .filter(r => r.status !== 'same')
    .map(r => {
      const now = r.actual ? `now ${r.actual.class}` : 'no longer found';
      return `${r.status}: ${r.fixtureId} ${r.expected.signal} on ${r.expected.spanId}: was ${r.expected.class}, ${now} (${r.path})`;
    });
  lines.push(`${report.total} fixtures replayed: ${report.same} same, ${report.changed} changed, ${report.invalid.length} invalid`);
  return `${lines.join('\n')}\n`;
}

export function jsonReport(report: ReplayReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** JUnit XML: one test case per fixture, a failure when it no longer classifies the same, an error when unreadable. */
export function junitReport(report: ReplayReport): string {
  const cases = report.results.map(r => {
    const name = `${r.fixtureId} ${r.expected.signal} (${r.expected.class})`;
    const open = `    <testcase classname="agent-triage.replay" name="${xml(name)}" file="${xml(r.path)}">`;
    if (r.status === 'same') return `${open}</testcase>`;
    const message = r.actual ? `reclassified: was ${r.expected.class}, now ${r.actual.class}` : `not reproduced: ${r.expected.signal} no longer fires on span ${r.expected.spanId}`;
    return `${open}\n      <failure type="${r.status}" message="${xml(message)}"/>\n    </testcase>`;
  });
  const errors = report.invalid.map(
    (problem, i) => `    <testcase classname="agent-triage.replay" name="invalid fixture ${i + 1}">\n      <error type="invalid" message="${xml(problem)}"/>\n    </testcase>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${report.total + report.invalid.length}" failures="${report.changed}" errors="${report.invalid.length}">`,
    `  <testsuite name="agent-triage replay" tests="${report.total + report.invalid.length}" failures="${report.changed}" errors="${report.invalid.length}">`,
    ...cases,
    ...errors,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function xml(text: string): string {
  // Control characters are not allowed in XML 1.0 at all.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}
