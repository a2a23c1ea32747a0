import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { recordSpans, tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';
import { runTurn } from '../helpers/scripted-agent.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SCAN_DOC = fileURLToPath(new URL('../../docs/triage-loop.md', import.meta.url));
const run = promisify(execFile);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const scan = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => cli('scan', ...args);

/** One request with a turn whose LLM step failed with this HTTP status. */
function failedTurn(status: number): string {
  return toOtlpJson(recordSpans(tracer => runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: status } } }] })));
}

/** As the Collector's file exporter writes it: int64 values (intValue, times) as strings. */
function collectorLine(json: string): string {
  return json.replace(/"intValue":(-?\d+)/g, '"intValue":"$1"').replace(/"(start|end)TimeUnixNano":(\d+)/g, '"$1TimeUnixNano":"$2"');
}

function statuses(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter(line => line !== '')
    .map(line => ((JSON.parse(line) as Record<string, unknown>)['details'] as Record<string, unknown>)['http.response.status_code'])
    .sort();
}

describe('agent-triage scan input', () => {
  it("reads the Collector file exporter's traces.json: one request per line, int64 values as strings", async () => {
    const dir = tempDir();
    const lines = [500, 502, 503].map(status => collectorLine(failedTurn(status)));
    expect(lines[0]).toMatch(/"intValue":"\d+"/);
    const file = writeFile(dir, 'traces.json', `${lines.join('\n')}\n`);

    const { code, stdout, stderr } = await scan(file);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(statuses(stdout)).toEqual([500, 502, 503]);
  });

  it('reads gzipped JSON and JSON Lines, also when a directory is given', async () => {
    const dir = tempDir();
    writeFileGz(dir, 'a.json.gz', failedTurn(500));
    writeFileGz(dir, 'b.jsonl.gz', `${failedTurn(502)}\n${failedTurn(503)}\n`);

    const { code, stdout, stderr } = await scan(dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(statuses(stdout)).toEqual([500, 502, 503]);
  });

  it('reads a pretty-printed single document', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'pretty.json', JSON.stringify(JSON.parse(failedTurn(429)), null, 2));
    expect(readFileSync(file, 'utf8').split('\n').length).toBeGreaterThan(20);

    const { code, stdout, stderr } = await scan(file);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(statuses(stdout)).toEqual([429]);
  });

  it('names a malformed line among good ones, scans the others, counts it and exits 1', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'traces.json', `{oops\n${failedTurn(500)}\n{"resourceSpans": [\n${failedTurn(502)}\n`);

    const { code, stdout, stderr } = await scan(file);
    expect(code).toBe(1);
    expect(statuses(stdout)).toEqual([500, 502]);
    expect(stderr).toContain(`error: ${file}:1: invalid JSON`);
    expect(stderr).toContain(`error: ${file}:3: invalid JSON`);
    expect(stderr).toContain('agent-triage scan: 2 inputs could not be read or parsed (named above); the rest was scanned');
  });

  it('skips a document over --max-document-bytes with an error naming the file, and scans the other files', async () => {
    const dir = tempDir();
    const big = writeFile(dir, 'big.json', JSON.stringify(JSON.parse(failedTurn(500)), null, 2));
    const longLine = writeFile(dir, 'lines.jsonl', `${failedTurn(502)}\n${'x'.repeat(50_000)}\n${failedTurn(503)}\n`);
    const small = writeFile(dir, 'small.json', failedTurn(429));
    const bound = String(Buffer.byteLength(failedTurn(429)) + 1000);
    expect(readFileSync(big, 'utf8').length).toBeGreaterThan(Number(bound));

    const { code, stdout, stderr } = await scan('--max-document-bytes', bound, big, longLine, small);
    expect(code).toBe(1);
    expect(statuses(stdout)).toEqual([429, 502, 503]);
    expect(stderr).toContain(`error: ${big}: JSON document larger than the maximum document size (${bound} bytes, --max-document-bytes); file skipped`);
    expect(stderr).toContain(`error: ${longLine}:2: line longer than the maximum document size (${bound} bytes); skipped`);
    expect(stderr).toContain('agent-triage scan: 2 inputs could not be read or parsed');
  });

  it('judges traces as the input passes them by, with the same findings as holding everything', async () => {
    const dir = tempDir();
    // Three requests an hour apart in recorded time: with a 1 s reorder window, each is judged before the next is read.
    const hour = 3_600_000_000_000n;
    const lines = [500, 502, 503, 429].map((status, i) =>
      failedTurn(status).replace(/"(start|end)TimeUnixNano":"?(\d+)"?/g, (_m, which: string, nanos: string) => `"${which}TimeUnixNano":"${BigInt(nanos) + BigInt(i) * hour}"`),
    );
    const file = writeFile(dir, 'traces.jsonl', `${lines.join('\n')}\n`);

    const streamed = await scan('--reorder-window-ms', '1000', '--max-spans-in-flight', '3', file);
    const held = await scan('--reorder-window-ms', String(Number.MAX_SAFE_INTEGER), file);
    expect(streamed.code).toBe(0);
    expect(statuses(streamed.stdout)).toEqual([429, 500, 502, 503]);
    expect(streamed.stdout).toBe(held.stdout);
  });

  it('rejects a limit that is not a positive integer with exit 2', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'a.json', failedTurn(500));
    const { code, stderr } = await scan('--max-document-bytes', 'lots', file);
    expect(code).toBe(2);
    expect(stderr).toContain('maxDocumentBytes');
  });

  it("documents every scan flag in the scan table of docs/triage-loop.md", async () => {
    const { stdout } = await cli('scan', '--help');
    const flags = [...stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map(m => m[1]).filter(flag => flag !== '--help');
    const readme = readFileSync(SCAN_DOC, 'utf8');
    const section = readme.slice(readme.indexOf('## Offline scan CLI'), readme.indexOf('## CLI: `scan --fixtures` and `replay`'));
    const tableRows = section.split('\n').filter(line => line.startsWith('| `--'));
    expect(flags.length).toBeGreaterThan(5);
    for (const flag of flags) expect(tableRows.some(row => row.includes(`\`${flag ?? ''}`)), `${flag ?? ''} in the docs scan table`).toBe(true);
  });
});

function writeFileGz(dir: string, name: string, content: string): void {
  writeFileSync(join(dir, name), gzipSync(content));
}
