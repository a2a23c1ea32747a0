#!/usr/bin/env node
import { Command } from 'commander';
import { runReplay } from './replay-command.js';
import { runGateway } from './gateway-command.js';
import { defaultStatePath } from '../state/state-path.js';
import { runFixed } from './fixed-command.js';
import { runReport } from './report-command.js';
import { runScan } from './scan-command.js';

const program = new Command()
  .name('agent-triage')
  .description('Classify AI-agent failures in OpenTelemetry traces.')
  .showHelpAfterError();

program
  .command('scan')
  .description('Triage OTLP/JSON trace files (ExportTraceServiceRequest, or JSON Lines of them, optionally gzipped); prints one JSON line per finding')
  .argument('<paths...>', 'files, or directories whose *.json, *.jsonl, *.json.gz and *.jsonl.gz files are read in name order')
  .option('--taxonomy <name-or-file>', 'taxonomy preset (default, incident-review, mast) or YAML file', 'default')
  .option('--fixtures <dir>', 'write a replay fixture and handoff packet per failure found into <dir>')
  .option('--fixture-severities <list>', 'comma-separated severities that get a fixture', 'hard')
  .option('--include-messages', 'keep message content in fixtures (credentials scrubbed); off: hashes only')
  .option('--state <file>', 'state file to load baselines from and save them to (default: in memory, nothing saved)')
  .option('--max-document-bytes <n>', 'largest JSON document (a whole file, or one JSON Lines line) held at once (default: 67108864)')
  .option('--reorder-window-ms <n>', 'recorded time a trace waits after its latest span end for more of its spans (default: 300000)')
  .option('--max-spans-in-flight <n>', 'spans held at once; past it the oldest traces are judged early (default: 500000)')
  .action(async (paths: string[], options: Record<string, unknown>) => {
    process.exitCode = await runScan(paths, options, process.stdout, process.stderr);
  });

program
  .command('replay')
  .description('Re-evaluate replay fixtures through the current signals and taxonomy; exits 1 when one no longer classifies the same')
  .argument('<paths...>', 'fixture files, or directories whose agent_fail_*.json files are read in name order')
  .option('--taxonomy <name-or-file>', 'taxonomy preset or YAML file (default: the preset each fixture names, else default)')
  .option('--json', 'print the report as JSON instead of text')
  .option('--junit <file>', 'also write a JUnit XML report to <file>')
  .action((paths: string[], options: Record<string, unknown>) => {
    process.exitCode = runReplay(paths, options, process.stdout, process.stderr);
  });

program
  .command('gateway')
  .description('Receive OTLP/HTTP traces, triage them and forward the enriched spans (or write them to files); stops cleanly on SIGTERM')
  .option('--config <file>', 'gateway YAML config file (default: built-in defaults)')
  .option('--listen <host:port>', 'address to receive OTLP/HTTP on (default: 127.0.0.1:4318)')
  .option('--out <dir>', 'folder for findings.jsonl and traces.jsonl (default: agent-triage-out when nothing is forwarded)')
  .action(async (options: { config?: string; listen?: string; out?: string }) => {
    await runGateway(options);
  });

program
  .command('report')
  .description('Which failure classes grow week over week, open fingerprints and time to fix, from replay fixtures and the loop state')
  .argument('<fixtures-dir>', 'directory of replay fixtures (agent_fail_*.json)')
  .option('--state <file>', `state file with the loop state to merge (default: ${defaultStatePath()} when it exists and has seen every agent of the fixtures)`)
  .option('--no-state', 'ignore any state file: report from fixtures alone')
  .option('--html <file>', 'also write a self-contained HTML page with charts')
  .option('--weeks <n>', 'ISO weeks to show, ending with the newest fixture\'s week (default: 8)')
  .option('--now <time>', 'ISO 8601 time whose week is the last one shown (default: the newest fixture)')
  .action((fixturesDir: string, options: Record<string, unknown>) => {
    process.exitCode = runReport(fixturesDir, options, process.stdout, process.stderr);
  });

program
  .command('fixed')
  .description('Mark failure fingerprints fixed by hand in a state file (stop the process that owns the file first)')
  .argument('<fingerprints...>', 'fingerprints to mark fixed (agent_triage.fingerprint)')
  .option('--state <file>', `state file (default: ${defaultStatePath()})`)
  .option('--version <version>', 'the agent version that carries the fix')
  .action(async (fingerprints: string[], options: Record<string, unknown>) => {
    process.exitCode = await runFixed(fingerprints, options, process.stdout, process.stderr);
  });

await program.parseAsync(process.argv);
