import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixtureSchema } from '../../src/index.js';
import type { Fixture } from '../../src/index.js';
import { recordSpans, tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const TOOL_FAILS: TurnScript = {
  steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'lookup', args: { q: 'x' } }] } }, { tool: { name: 'lookup', id: 'c1', args: { q: 'x' }, fail: 'down' } }, { llm: { text: 'sorry' } }],
};
const PROVIDER_503: TurnScript = { steps: [{ llm: { fail: { httpStatus: 503 } } }] };
const SKIPS: TurnScript = { steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'lookup' }] } }, { llm: { text: 'done' } }] };

/** Scans recorded OTLP with `--fixtures` and returns the fixture directory. */
function scanToFixtures(scripts: readonly TurnScript[], ...extra: string[]): { dir: string; stdout: string; status: number | null } {
  const spans = recordSpans(tracer => {
    for (const script of scripts) runTurn(tracer, script);
  });
  const input = writeFile(tempDir(), 'traces.json', toOtlpJson(spans));
  const dir = join(tempDir(), 'fixtures');
  const result = cli('scan', '--fixtures', dir, ...extra, input);
  return { dir, stdout: result.stdout, status: result.status };
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).filter(name => /^agent_fail_\d{8}_\d{6}.*\.json$/.test(name));
}

describe('agent-triage scan --fixtures', () => {
  it('writes a fixture per hard failure it finds, matching the JSON lines it prints', () => {
    const { dir, stdout, status } = scanToFixtures([TOOL_FAILS, PROVIDER_503, SKIPS]);
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n').map(line => JSON.parse(line) as { signal: string; spanId: string; traceId: string });
    const fixtures = fixtureFiles(dir).map(name => fixtureSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8'))));
    expect(fixtures).toHaveLength(3);
    expect(fixtures.map(f => [f.failure_signal, f.span_id, f.trace_id]).sort()).toEqual(lines.map(l => [l.signal, l.spanId, l.traceId]).sort());
    expect(fixtures.every(f => f.detection_source === 'scan')).toBe(true);
    expect(readdirSync(dir).filter(name => name.startsWith('handoff_'))).toHaveLength(2 * fixtures.length);
  });

  it('names the same failure the same on a re-scan (stable fixture ids)', () => {
    const spans = recordSpans(tracer => runTurn(tracer, TOOL_FAILS));
    const input = writeFile(tempDir(), 'traces.json', toOtlpJson(spans));
    const dir = join(tempDir(), 'fixtures');
    cli('scan', '--fixtures', dir, input);
    const first = fixtureFiles(dir);
    cli('scan', '--fixtures', dir, input);
    expect(first).toHaveLength(1);
    expect(fixtureFiles(dir)).toEqual(first);
  });


  it('refuses (exit 2) a fixture directory it cannot create', () => {
    const file = writeFile(tempDir(), 'not-a-dir', '');
    const result = cli('scan', '--fixtures', join(file, 'fixtures'), file);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--fixtures');
  });
});

describe('agent-triage replay', () => {
  it('passes (exit 0) when every fixture still classifies the same, with JUnit and JSON reports', () => {
    const { dir } = scanToFixtures([TOOL_FAILS, PROVIDER_503, SKIPS]);
    const junit = join(tempDir(), 'replay.xml');
    const text = cli('replay', dir, '--junit', junit);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toBe('3 fixtures replayed: 3 same, 0 changed, 0 invalid\n');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="agent-triage replay" tests="3" failures="0" errors="0">');
    expect(xml).not.toContain('<failure');

    const json = cli('replay', '--json', dir);
    const report = JSON.parse(json.stdout) as { total: number; same: number; results: { status: string }[] };
    expect(report).toMatchObject({ total: 3, same: 3 });
    expect(report.results.map(r => r.status)).toEqual(['same', 'same', 'same']);
  });

  it('fails (exit 1) and says which fixtures changed under another taxonomy', () => {
    const { dir } = scanToFixtures([TOOL_FAILS]);
    const junit = join(tempDir(), 'replay.xml');
    const result = cli('replay', '--taxonomy', 'mast', '--junit', junit, dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^reclassified: agent_fail_\S+ tool_error on [0-9a-f]{16}: was logic, now task_verification \(/);
    expect(result.stdout).toContain('1 fixtures replayed: 0 same, 1 changed, 0 invalid');
    expect(readFileSync(junit, 'utf8')).toContain('<failure type="reclassified" message="reclassified: was logic, now task_verification"/>');
  });

  it('reports a failure the current signals no longer find, and an invalid fixture', () => {
    const { dir } = scanToFixtures([TOOL_FAILS]);
    const [name] = fixtureFiles(dir);
    const path = join(dir, name ?? '');
    const fixture = JSON.parse(readFileSync(path, 'utf8')) as Fixture;
    // The recorded tool call no longer failed: the replay must notice.
    const healed = { ...fixture, replay: { ...fixture.replay, steps: fixture.replay.steps.map(step => ({ ...step, error: null })) } };
    writeFileSync(path, JSON.stringify(healed));
    writeFileSync(join(dir, 'agent_fail_20260101_000000_broken.json'), JSON.stringify({ fixture_id: 'agent_fail_20260101_000000_broken' }));
    const result = cli('replay', dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('not_reproduced:');
    expect(result.stdout).toContain('1 fixtures replayed: 0 same, 1 changed, 1 invalid');
    expect(result.stderr).toMatch(/agent_fail_20260101_000000_broken\.json: agent_version: /);
  });

  it('rejects an unknown taxonomy with exit 2', () => {
    const result = cli('replay', '--taxonomy', '/nonexistent/taxonomy.yaml', tempDir());
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('/nonexistent/taxonomy.yaml: cannot read');
  });
});
