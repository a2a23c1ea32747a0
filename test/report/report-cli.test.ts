import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFixed } from '../../src/cli/fixed-command.js';
import { readLoopStateFile } from '../../src/cli/loop-state-file.js';
import { runReport } from '../../src/cli/report-command.js';
import { isoWeekLabel, isoWeekStart } from '../../src/report/iso-week.js';
import { STATE_PATH_ENV, defaultStatePath, processStateName } from '../../src/state/state-path.js';
import { createHarness } from '../helpers/harness.js';
import { writeFixtures, writeLoopState } from '../helpers/report-corpus.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { FixtureSpec } from '../helpers/report-corpus.js';

function buffer(): { text: string; write(t: string): void } {
  return {
    text: '',
    write(t) {
      this.text += t;
    },
  };
}

// ISO weeks 2026-W45 (Nov 2), W46 (Nov 9), W47 (Nov 16)
const at = (day: number): string => `2026-11-${String(day).padStart(2, '0')}T10:00:00Z`;
const CORPUS: FixtureSpec[] = [
  { recordedAt: at(3), signal: 'tool_error', class: 'logic' },
  { recordedAt: at(10), signal: 'tool_error', class: 'logic' },
  { recordedAt: at(11), signal: 'tool_error', class: 'logic' },
  { recordedAt: at(16), signal: 'tool_error', class: 'logic' },
  { recordedAt: at(17), signal: 'skipped_planned_call', class: 'logic' },
  { recordedAt: at(18), signal: 'tool_error', class: 'logic' },
  { recordedAt: at(19), signal: 'tool_error', class: 'logic' },
  { recordedAt: at(4), signal: 'provider_error', class: 'infra' },
  { recordedAt: at(5), signal: 'provider_error', class: 'infra' },
  { recordedAt: at(6), signal: 'provider_error', class: 'infra' },
  { recordedAt: at(12), signal: 'provider_error', class: 'infra' },
];

describe('ISO weeks', () => {
  it.each([
    { day: '2026-11-23T00:00:00Z', label: '2026-W48' },
    { day: '2026-11-22T23:59:59Z', label: '2026-W47' },
    { day: '2027-01-01T12:00:00Z', label: '2026-W53' },
    { day: '2025-12-29T12:00:00Z', label: '2026-W01' },
  ])('$day is in $label', ({ day, label }) => {
    expect(isoWeekLabel(isoWeekStart(Date.parse(day)))).toBe(label);
  });
});

describe('agent-triage report', () => {
  it('shows which classes grow week over week, open fingerprints and time to fix', async () => {
    const dir = writeFixtures(CORPUS);
    writeFileSync(join(dir, 'handoff_20261103_100000_ab12.json'), '{"task": "…"}'); // written beside fixtures; not one
    const { path, openFingerprint } = await writeLoopState(Date.parse('2026-11-01T00:00:00Z'));
    const out = buffer();
    const err = buffer();
    expect(runReport(dir, { state: path, weeks: '3' }, out, err)).toBe(0);
    expect(err.text).toBe('');
    const lines = out.text.split('\n');
    expect(lines[0]).toBe('Failures per class, week over week (2026-W45 to 2026-W47, 11 fixtures)');
    expect(lines.find(l => l.trimStart().startsWith('logic'))?.split(/\s+/).filter(Boolean)).toEqual(['logic', '1', '2', '4', '+2', '▲']);
    expect(lines.find(l => l.trimStart().startsWith('infra'))?.split(/\s+/).filter(Boolean)).toEqual(['infra', '3', '1', '0', '-1', '▼']);
    expect(lines[5]).toBe(`Loop state: ${path} (named with --state)`);
    // Merged: the state's open fingerprint, and the fixtures' fingerprints the state does not know
    // (their provider_error is one the state knows fixed: not open).
    expect(out.text).toContain('Open fingerprints (3)');
    expect(lines.find(l => l.includes(openFingerprint))).toMatch(/logic\s+tool_error\s+support-agent\s+refund/);
    expect(lines.filter(l => /logic\s+(tool_error\s+support-agent\s+search_db|skipped_planned_call\s+support-agent)\s/.test(l))).toHaveLength(2);
    expect(lines.some(l => /provider_error/.test(l) && !l.startsWith('Failures'))).toBe(false);
    const fixLines = lines.slice(lines.indexOf('Time to fix per class'));
    expect(fixLines.find(l => l.trimStart().startsWith('infra'))?.split(/\s{2,}/).filter(Boolean)).toEqual(['infra', '1', '6.0 h', '6.0 h', '6.0 h']);
    expect(fixLines.find(l => l.trimStart().startsWith('logic'))?.split(/\s{2,}/).filter(Boolean)).toEqual(['logic', '1', '3.0 d', '3.0 d', '3.0 d']);
  });

  it('without loop state, lists every fingerprint of the fixtures and says time to fix is unknown', () => {
    const dir = writeFixtures(CORPUS);
    const out = buffer();
    expect(runReport(dir, { state: false, now: '2026-11-20T00:00:00Z' }, out, buffer())).toBe(0);
    expect(out.text).toContain('Open fingerprints (3) — no loop state');
    expect(out.text).toMatch(/logic\s+tool_error\s+support-agent\s+search_db/);
    expect(out.text).toContain('(needs the loop state: pass --state)');
  });

  it('names a fixture it cannot use, reports the rest and exits 1', () => {
    const dir = writeFixtures(CORPUS.slice(0, 2));
    writeFileSync(join(dir, 'agent_fail_broken.json'), '{"fixture_id": "x"');
    writeFileSync(join(dir, 'agent_fail_noclass.json'), JSON.stringify({ fixture_id: 'y', recorded_at: at(3), failure_signal: 'tool_error' }));
    const out = buffer();
    const err = buffer();
    expect(runReport(dir, { state: false }, out, err)).toBe(1);
    expect(err.text).toContain('agent_fail_broken.json');
    expect(err.text).toMatch(/agent_fail_noclass\.json: class: /);
    expect(out.text).toContain('2 fixtures');
  });

  it.each([
    { name: 'a missing state file', options: { state: '/nonexistent/state.json' }, message: 'no such state file' },
    { name: 'a bad week count', options: { weeks: '1' }, message: 'weeks' },
    { name: 'an unknown option', options: { colour: true }, message: 'colour: unknown key' },
  ])('exits 2 on $name', ({ options, message }) => {
    const err = buffer();
    expect(runReport(writeFixtures([]), options, buffer(), err)).toBe(2);
    expect(err.text).toContain(message);
  });

  it('runs from the installed bin and writes a self-contained HTML page', async () => {
    const dir = writeFixtures(CORPUS);
    const { path } = await writeLoopState(Date.parse('2026-11-01T00:00:00Z'));
    const html = join(mkdtempSync(join(tmpdir(), 'report-')), 'report.html');
    const stdout = execFileSync(process.execPath, ['dist/cli/main.js', 'report', dir, '--state', path, '--html', html], { encoding: 'utf8' });
    expect(stdout).toContain('Failures per class');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('data-chart="failures-by-week"');
    expect(page).toContain('data-chart="time-to-fix"');
    expect(page).not.toMatch(/<script|\bsrc=|<link|@import|url\(/i); // nothing loaded, nothing run
  });
});

describe('report run where another run left its state', () => {
  /** A working directory whose default state file (and the old `.agent-triage/state.json`) hold another run's loop state. */
  async function foreignWorkingDir(): Promise<{ cwd: string; env: NodeJS.ProcessEnv; defaultPath: string; foreignOpen: string }> {
    const { path, openFingerprint } = await writeLoopState(Date.parse('2026-11-01T00:00:00Z'));
    const cwd = realpathSync(mkdtempSync(join(tmpdir(), 'report-cwd-')));
    const env: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== STATE_PATH_ENV)), XDG_STATE_HOME: join(cwd, 'xdg') };
    const defaultPath = defaultStatePath(processStateName(cwd), env);
    for (const target of [defaultPath, join(cwd, '.agent-triage', 'state.json')]) {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
    }
    return { cwd, env, defaultPath, foreignOpen: openFingerprint };
  }
  const report = (cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string =>
    execFileSync(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), 'report', ...args], { cwd, env, encoding: 'utf8' });

  it('lists the fixtures given, not the foreign state, and says which state it used', async () => {
    const { cwd, env, defaultPath, foreignOpen } = await foreignWorkingDir();
    const dir = writeFixtures(CORPUS.map(spec => ({ ...spec, agent: 'weather-agent' })));
    const stdout = report(cwd, env, dir, '--now', '2026-11-20T00:00:00Z');
    expect(stdout).not.toContain(foreignOpen);
    expect(stdout).toContain('Open fingerprints (3) — no loop state');
    expect(stdout.split('\n').filter(l => /\sweather-agent\s/.test(l))).toHaveLength(3);
    expect(stdout).toContain(`Loop state: none (${defaultPath} is not these fixtures' state: it has not seen weather-agent; name it with --state to use it)`);
  });

  it('uses the default state file when it has seen every agent of the fixtures', async () => {
    const { cwd, env, defaultPath, foreignOpen } = await foreignWorkingDir();
    const dir = writeFixtures(CORPUS); // support-agent, as the state
    const stdout = report(cwd, env, dir, '--now', '2026-11-20T00:00:00Z');
    expect(stdout).toContain(foreignOpen);
    expect(stdout).toContain(`Loop state: ${defaultPath} (the default state file; it has seen every agent of the fixtures)`);
  });

  it('uses a foreign state file when it is named', async () => {
    const { cwd, env, defaultPath, foreignOpen } = await foreignWorkingDir();
    const dir = writeFixtures(CORPUS.map(spec => ({ ...spec, agent: 'weather-agent' })));
    const stdout = report(cwd, env, dir, '--state', defaultPath);
    expect(stdout).toContain(foreignOpen);
    expect(stdout.split('\n').filter(l => /\sweather-agent\s/.test(l))).toHaveLength(3);
    expect(stdout).toContain(`Loop state: ${defaultPath} (named with --state)`);
  });
});

describe('report on what the processor wrote', () => {
  it('reads fixtures from the fixture writer and the loop state from the state file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'e2e-'));
    const fixturesDir = join(root, 'fixtures');
    const statePath = join(root, 'state.json');
    const h = createHarness({ fixtures: { dir: fixturesDir }, state: { path: statePath }, loop: { fixAfterTurns: 1 } });
    runTurn(h.tracer, { agentVersion: '1', steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    runTurn(h.tracer, { agentVersion: '1', steps: [{ llm: { toolCalls: [{ id: 'a', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'a', fail: 'boom' } }] });
    runTurn(h.tracer, { agentVersion: '2', steps: [{ llm: { toolCalls: [{ id: 'a', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'a', fail: 'boom' } }] });
    await h.processor.shutdown();
    const [providerError, toolError] = [h.findings[0], h.findings[1]];

    const out = buffer();
    const err = buffer();
    expect(runReport(fixturesDir, { state: statePath }, out, err)).toBe(0);
    expect(err.text).toBe('');
    expect(out.text).toContain('3 fixtures');
    expect(out.text).toContain('Open fingerprints (1)'); // provider_error was fixed by version 2
    expect(out.text.split('\n').find(l => l.includes(toolError?.fingerprint ?? '?'))).toMatch(/logic\s+tool_error\s+weather-agent\s+lookup/);
    expect(out.text).not.toContain(providerError?.fingerprint ?? '?');
  });
});

describe('agent-triage fixed', () => {
  it('marks a fingerprint fixed in the state file and keeps the rest of the file', async () => {
    const { path, openFingerprint } = await writeLoopState(Date.parse('2026-11-01T00:00:00Z'));
    const out = buffer();
    expect(await runFixed([openFingerprint], { state: path, version: '4' }, out, buffer())).toBe(0);
    expect(out.text).toBe(`${openFingerprint}: fixed\n`);
    const read = readLoopStateFile(path);
    expect(read.ok && read.state?.fingerprints.find(r => r.fingerprint === openFingerprint)).toMatchObject({
      status: 'fixed',
      fixedBy: 'manual',
      fixedInVersion: '4',
    });
    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { entries: [string, string, unknown][] };
    expect(snapshot.entries.map(([namespace]) => namespace).sort()).toEqual(['loop', 'tool_latency_spike.baseline']);
  });

  it('exits 1 naming fingerprints that are unknown or already fixed', async () => {
    const { path, fixedFingerprint } = await writeLoopState(Date.parse('2026-11-01T00:00:00Z'));
    const err = buffer();
    expect(await runFixed([fixedFingerprint, '0123456789abcdef'], { state: path }, buffer(), err)).toBe(1);
    expect(err.text).toBe(`${fixedFingerprint}: already fixed in ${path}\n0123456789abcdef: unknown fingerprint in ${path}\n`);
  });

  it('exits 2 on a malformed fingerprint or an unusable state file, leaving the file alone', async () => {
    const err = buffer();
    expect(await runFixed(['nope'], {}, buffer(), err)).toBe(2);
    expect(err.text).toContain('16 hex digits');

    const path = join(mkdtempSync(join(tmpdir(), 'state-')), 'state.json');
    writeFileSync(path, '{ torn');
    expect(await runFixed(['0123456789abcdef'], { state: path }, buffer(), buffer())).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe('{ torn');
  });
});
