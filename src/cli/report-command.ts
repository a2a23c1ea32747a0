import { existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { defaultStatePath } from '../state/state-path.js';
import { agentsOfState, buildReport } from '../report/report-data.js';
import { htmlReport } from '../report/html-report.js';
import { readReportFixtures } from '../report/report-fixture.js';
import type { ReportFixture } from '../report/report-fixture.js';
import type { LoopState } from '../loop/loop-state.js';
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
  if (typeof args.data.state === 'string' && !existsSync(args.data.state)) {
    err.write(`agent-triage report: ${args.data.state}: no such state file\n`);
    return 2;
  }
  const { fixtures, errors } = readReportFixtures(args.data.fixturesDir);
  for (const error of errors) err.write(`error: ${error}\n`);
  const chosen = chooseState(args.data.state, fixtures);
  if (!chosen.ok) {
    err.write(`agent-triage report: ${chosen.error}\n`);
    return 2;
  }
  const newest = fixtures.length > 0 ? Math.max(...fixtures.map(f => f.recordedAtMs)) : Date.now();
  const nowMs = args.data.now !== undefined ? Date.parse(args.data.now) : newest;
  const data = buildReport(fixtures, chosen.state, nowMs, args.data.weeks, chosen.note);
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

type ChosenState = { ok: true; state: LoopState | undefined; note: string } | { ok: false; error: string };

/**
 * The loop state the report merges with its fixtures: the file named with
 * `--state`; none with `--no-state`; else the default state file only when it
 * demonstrably belongs to the fixtures (it has seen every agent they name), so
 * another run's state never replaces the fixtures' fingerprints.
 */
function chooseState(named: string | false | undefined, fixtures: readonly ReportFixture[]): ChosenState {
  if (named === false) return { ok: true, state: undefined, note: 'none (--no-state)' };
  if (named !== undefined) {
    const read = readLoopStateFile(named);
    if (!read.ok) return read;
    return { ok: true, state: read.state, note: read.state ? `${named} (named with --state)` : `none (${named} holds no loop state)` };
  }
  const path = defaultStatePath();
  if (!existsSync(path)) return { ok: true, state: undefined, note: `none (no state file at ${path}; name one with --state)` };
  const read = readLoopStateFile(path);
  if (!read.ok) return { ok: true, state: undefined, note: `none (${path} not used: ${read.error})` };
  if (!read.state) return { ok: true, state: undefined, note: `none (${path} holds no loop state)` };
  const stateAgents = agentsOfState(read.state);
  const fixtureAgents = [...new Set(fixtures.map(f => f.agent).filter((a): a is string => a !== undefined))].sort();
  const foreign = fixtureAgents.filter(agent => !stateAgents.has(agent));
  if (fixtureAgents.length === 0 || foreign.length > 0) {
    const why = fixtureAgents.length === 0 ? 'the fixtures name no agent' : `it has not seen ${foreign.join(', ')}`;
    return { ok: true, state: undefined, note: `none (${path} is not these fixtures' state: ${why}; name it with --state to use it)` };
  }
  return { ok: true, state: read.state, note: `${path} (the default state file; it has seen every agent of the fixtures)` };
}
