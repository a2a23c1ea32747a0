import { existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { defaultStatePath } from '../state/state-path.js';
import { buildReport } from '../report/report-data.js';
import { htmlReport } from '../report/html-report.js';
import { readReportFixtures } from '../report/report-fixture.js';
import { terminalReport } from '../report/terminal-report.js';
import { readLoopStateFile } from './loop-state-file.js';
import type { Writable } from './writable.js';

const reportArgs = z.strictObject({
  fixturesDir: z.string().min(1),
  /** A state file, or false (`--no-state`) to report from fixtures alone. */
  state: z.union([z.string().min(1), z.literal(false)]).optional(),
  html: z.string().min(1).optional(),
  weeks: z.coerce.number().int().min(2).max(104).default(8),
  now: z.iso.datetime({ offset: true }).optional(),
});

/**
 * `agent-triage report`: exit 0 when the report was written, 1 when some
 * fixture could not be read (the rest is reported), 2 when the arguments or
 * the state file are unusable.
 */
export function runReport(fixturesDir: string, options: Record<string, unknown>, out: Writable, err: Writable): number {
  const args = reportArgs.safeParse({ fixturesDir, ...options });
  if (!args.success) {
    err.write(`agent-triage report: ${describeZodError('arguments', args.error)}\n`);
    return 2;
  }
  const statePath = args.data.state === false ? undefined : (args.data.state ?? defaultIfPresent());
  if (typeof args.data.state === 'string' && !existsSync(args.data.state)) {
    err.write(`agent-triage report: ${args.data.state}: no such state file\n`);
    return 2;
  }
  const state = statePath === undefined ? { ok: true as const, state: undefined } : readLoopStateFile(statePath);
  if (!state.ok) {
    err.write(`agent-triage report: ${state.error}\n`);
    return 2;
  }
  const { fixtures, errors } = readReportFixtures(args.data.fixturesDir);
  for (const error of errors) err.write(`error: ${error}\n`);
  const newest = fixtures.length > 0 ? Math.max(...fixtures.map(f => f.recordedAtMs)) : Date.now();
  const nowMs = args.data.now !== undefined ? Date.parse(args.data.now) : newest;
  const data = buildReport(fixtures, state.state, nowMs, args.data.weeks);
  out.write(terminalReport(data));
  if (args.data.html !== undefined) {
    try {
      writeFileSync(args.data.html, htmlReport(data));
    } catch (error) {
      err.write(`agent-triage report: ${args.data.html}: cannot write: ${(error as Error).message}\n`);
      return 2;
    }
  }
  return errors.length > 0 ? 1 : 0;
}

function defaultIfPresent(): string | undefined {
  const path = defaultStatePath();
  return existsSync(path) ? path : undefined;
}
