#!/usr/bin/env node
import { Command } from 'commander';
import { DEFAULT_STATE_PATH } from '../processor/options.js';
import { runFixed } from './fixed-command.js';
import { runReport } from './report-command.js';
import { runScan } from './scan-command.js';

const program = new Command()
  .name('agent-triage')
  .description('Classify AI-agent failures in OpenTelemetry traces.')
  .showHelpAfterError();

program
  .command('scan')
  .description('Triage OTLP/JSON trace files (ExportTraceServiceRequest, or JSON Lines of them); prints one JSON line per finding')
  .argument('<paths...>', 'files, or directories whose *.json and *.jsonl files are read in name order')
  .option('--taxonomy <file>', 'taxonomy YAML file (default: the built-in taxonomy)')
  .option('--state <file>', 'state file to load baselines from and save them to (default: in memory, nothing saved)')
  .action(async (paths: string[], options: Record<string, unknown>) => {
    process.exitCode = await runScan(paths, options, process.stdout, process.stderr);
  });

program
  .command('report')
  .description('Which failure classes grow week over week, open fingerprints and time to fix, from replay fixtures and the loop state')
  .argument('<fixtures-dir>', 'directory of replay fixtures (agent_fail_*.json)')
  .option('--state <file>', `state file with the loop state (default: ${DEFAULT_STATE_PATH} when it exists)`)
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
  .option('--state <file>', `state file (default: ${DEFAULT_STATE_PATH})`)
  .option('--version <version>', 'the agent version that carries the fix')
  .action(async (fingerprints: string[], options: Record<string, unknown>) => {
    process.exitCode = await runFixed(fingerprints, options, process.stdout, process.stderr);
  });

await program.parseAsync(process.argv);
