import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import { recordSpans, tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);

/** Starts `agent-triage gateway` and waits for the line that names its address. */
async function startCli(args: string[]): Promise<{ url: string; stop(): Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(process.execPath, [CLI, 'gateway', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'], AGENT_TRIAGE_STATE_PATH: join(tempDir(), 'state.json') }, cwd: tempDir() });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', code => {
      reject(new Error(`gateway exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    async stop() {
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const [code] = await exited;
      return { code, stderr };
    },
  };
}

const lines = (text: string): string[] => text.split('\n').filter(line => line !== '');

describe('agent-triage gateway', () => {
  it('writes the scan lines to findings.jsonl and every enriched span to traces.jsonl, and exits 0 on SIGTERM', async () => {
    const out = tempDir();
    const spans = recordSpans(tracer => {
      runTurn(tracer, HEALTHY_TURN);
      runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 429 } } }] });
      runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: 'c9', name: 'refund' }] } }, { llm: { text: 'done' } }] });
    });
    const gateway = await startCli(['--listen', '127.0.0.1:0', '--out', out]);
    // One request per span: turns are assembled across requests.
    for (const span of spans) {
      const res = await fetch(`${gateway.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson([span]) });
      expect(res.status).toBe(200);
    }
    const { code, stderr } = await gateway.stop();
    expect(code, stderr).toBe(0);

    const scanned = await run(process.execPath, [CLI, 'scan', writeFile(tempDir(), 'spans.json', toOtlpJson(spans))]);
    const findings = lines(readFileSync(join(out, 'findings.jsonl'), 'utf8'));
    expect(findings.sort()).toEqual(lines(scanned.stdout).sort());
    expect(findings.map(line => (JSON.parse(line) as { signal: string }).signal).sort()).toEqual(['provider_error', 'skipped_planned_call']);

    const traced = lines(readFileSync(join(out, 'traces.jsonl'), 'utf8')).flatMap(line => spansFromTraceRequest(JSON.parse(line), 'traces.jsonl'));
    expect(traced.map(s => s.spanContext().spanId).sort()).toEqual(spans.map(s => s.spanContext().spanId).sort());
    const outcomes = traced.map(s => s.attributes['agent_triage.turn.outcome']).filter(o => o !== undefined);
    expect(outcomes.sort()).toEqual(['failed', 'failed', 'ok']);
  });

  it('refuses to start on a bad config file, naming the key', async () => {
    const config = writeFile(tempDir(), 'gateway.yaml', 'listen: 127.0.0.1:0\nlimits:\n  maxQueueSpan: 10\ntriage:\n  decisionWaitMs: -1\n');
    const result = await run(process.execPath, [CLI, 'gateway', '--config', config]).catch((error: unknown) => error as { code: number; stderr: string });
    expect('code' in result && result.code).toBe(2);
    expect(result.stderr).toContain(`${config}: limits.maxQueueSpan: unknown key`);
    expect(result.stderr).toContain(`${config}: triage.decisionWaitMs: `);
  });
});
