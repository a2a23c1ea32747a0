import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { recordSpans, tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import type { TurnIds } from '../helpers/scripted-agent.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);

async function scan(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'scan', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter(line => line !== '')
    .map(line => JSON.parse(line) as Record<string, unknown>);
}

/** Rewrites every JSON number `intValue` as a decimal string, as the Collector and Go/Python/Java exporters send it. */
function intValuesAsStrings(json: string): string {
  return json.replace(/"intValue":(\d+)/g, '"intValue":"$1"');
}

describe('agent-triage scan', () => {
  it('prints one JSON line per finding, naming the span each concerns', async () => {
    let provider: TurnIds | undefined;
    let loop: TurnIds | undefined;
    const spans = recordSpans(tracer => {
      runTurn(tracer, HEALTHY_TURN);
      provider = runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
      loop = runTurn(tracer, { steps: [{ llm: { text: 'a' } }, { llm: { text: 'b' } }, { llm: { text: 'c' } }] });
    });
    const dir = tempDir();
    const file = writeFile(dir, 'traces.json', toOtlpJson(spans));

    const { code, stdout, stderr } = await scan(file);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const found = lines(stdout);
    expect(found).toHaveLength(2);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ traceId: provider?.traceId, spanId: provider?.stepSpanIds[0], signal: 'provider_error', class: 'infra', severity: 'hard' }),
        expect.objectContaining({ traceId: loop?.traceId, spanId: loop?.rootSpanId, signal: 'zero_tool_calls', class: 'logic', severity: 'hard' }),
      ]),
    );
  });

  it('reads directories in name order, JSON Lines, and int64 values sent as strings', async () => {
    const first = recordSpans(tracer => runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 500 } } }] }));
    const second = recordSpans(tracer => runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 429 } } }] }));
    const third = recordSpans(tracer => runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 502 } } }] }));
    const dir = tempDir();
    writeFile(dir, 'b.jsonl', `${intValuesAsStrings(toOtlpJson(second))}\n\n${toOtlpJson(third)}\n`);
    writeFile(dir, 'a.json', toOtlpJson(first));
    writeFile(dir, 'ignored.txt', 'not read');

    const { code, stdout } = await scan(dir);
    expect(code).toBe(0);
    const statuses = lines(stdout).map(l => (l['details'] as Record<string, unknown>)['http.response.status_code']);
    expect(statuses.sort()).toEqual([429, 500, 502]);
  });

  it('exits 0 with no output on healthy traffic', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'ok.json', toOtlpJson(recordSpans(tracer => runTurn(tracer, HEALTHY_TURN))));
    expect(await scan(file)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('skips a JSON document that is not a trace request with a warning, and exits 0', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'metrics.json', JSON.stringify({ resourceMetrics: [] }));
    const { code, stderr } = await scan(file);
    expect(code).toBe(0);
    expect(stderr).toContain(`warning: ${file}: not an OTLP ExportTraceServiceRequest`);
  });

  it('names unreadable and malformed inputs, scans the rest, and exits non-zero', async () => {
    const dir = tempDir();
    const good = writeFile(dir, 'good.json', toOtlpJson(recordSpans(tracer => runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 500 } } }] }))));
    const broken = writeFile(dir, 'broken.json', '{"resourceSpans": [');
    const badId = writeFile(
      dir,
      'bad-id.json',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '0011223344556677', name: 'n', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }] }),
    );
    const badLine = writeFile(dir, 'lines.jsonl', `${toOtlpJson([])}\n{oops\n`);

    const { code, stdout, stderr } = await scan(good, broken, badId, badLine, `${dir}/missing.json`);
    expect(code).toBe(1);
    expect(lines(stdout)).toHaveLength(1);
    expect(stderr).toContain(`${broken}: invalid JSON`);
    expect(stderr).toContain(`${badId}: resourceSpans.0.scopeSpans.0.spans.0.traceId: traceId must be 32 hex characters`);
    expect(stderr).toContain(`${badLine}:2: invalid JSON`);
    expect(stderr).toContain(`${dir}/missing.json: cannot read: ENOENT`);
  });
});
