#!/usr/bin/env node
import { Command } from 'commander';
import { runGateway } from './gateway-command.js';
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
  .action(async (paths: string[], options: Record<string, unknown>) => {
    process.exitCode = await runScan(paths, options, process.stdout, process.stderr);
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

await program.parseAsync(process.argv);
