#!/usr/bin/env node
import { Command } from 'commander';
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

await program.parseAsync(process.argv);
