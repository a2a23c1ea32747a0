/**
 * (e) The scan on a large corpus: the real `agent-triage scan` CLI (the built
 * package) as a child process over ≥ 100,000 spans of OTLP JSON (one request
 * per file) and of JSON Lines (the Collector's file-exporter layout), at two
 * corpus sizes. Reports spans/s and the child's peak RSS; the peak must not
 * grow with the corpus. The corpus's turns fail as the mix injects (every 50th
 * a tool error, every 70th a provider error): the scan should find one
 * finding each, and the bench says so when it does not.
 *
 *   npm run build && node --import tsx bench/scan-corpus.ts [--quick] [--out file.json] [--keep]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, fmt, table, writeSummary } from './lib/measure.js';
import { writeCorpus } from './lib/scan-corpus.js';

const args = benchArgs('scan-corpus');
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const MAX_RSS = fileURLToPath(new URL('./lib/max-rss.mjs', import.meta.url));
const SIZES = args.quick ? [20_000, 60_000] : [100_000, 300_000];

interface ScanRun {
  readonly seconds: number;
  readonly maxRssMiB: number;
  readonly findings: number;
  readonly exitCode: number | null;
  readonly stderr: string;
}

async function scan(path: string, dir: string): Promise<ScanRun> {
  const rssFile = join(dir, 'max-rss');
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', MAX_RSS, CLI, 'scan', path], { env: { ...process.env, BENCH_MAX_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let findings = 0;
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const c of chunk) if (c === '\n') findings++;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 10_000) stderr += chunk;
  });
  const exitCode = await new Promise<number | null>(resolve => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, maxRssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024, findings, exitCode, stderr };
}

const rows = [];
for (const layout of ['json-files', 'json-lines'] as const) {
  for (const size of SIZES) {
    const dir = mkdtempSync(join(tmpdir(), 'agent-triage-bench-scan-'));
    try {
      const corpus = await writeCorpus(dir, size, layout);
      const run = await scan(corpus.path, dir);
      if (run.exitCode !== 0) throw new Error(`scan exited ${run.exitCode}: ${run.stderr}`);
      rows.push({ layout, spans: corpus.spans, seconds: run.seconds, spansPerSecond: corpus.spans / run.seconds, maxRssMiB: run.maxRssMiB, findings: run.findings, injectedFailures: corpus.failures });
    } finally {
      if (!args.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    }
  }
}
const summary = { bench: 'scan-corpus', rows };
console.log('(e) agent-triage scan over a generated corpus (child process; peak RSS from process.resourceUsage())');
table(
  rows.map(r => ({
    layout: r.layout,
    spans: String(r.spans),
    'spans/s': fmt(r.spansPerSecond, 0),
    'peak RSS MiB': fmt(r.maxRssMiB, 0),
    findings: String(r.findings),
    'injected failures': String(r.injectedFailures),
    seconds: fmt(r.seconds, 1),
  })),
);
const unexpected = rows.filter(r => r.findings !== r.injectedFailures);
if (unexpected.length > 0) console.log(`findings differ from the injected failures (one finding each) in: ${unexpected.map(r => `${r.layout} ${r.spans}`).join(', ')}`);
writeSummary(args.out, summary);
