import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { FixtureReplayer } from '../replay/fixture-replayer.js';
import { readFixtures } from '../replay/read-fixtures.js';
import { jsonReport, junitReport, summarize, textReport } from '../replay/replay-report.js';
import type { ReplayReport } from '../replay/replay-report.js';

/** Corpora at least this large get a progress bar (on a terminal only). */
const PROGRESS_MIN_FIXTURES = 20;

const replayArgs = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  taxonomy: z.string().min(1).optional(),
  json: z.boolean().default(false),
  junit: z.string().min(1).optional(),
});

interface Writable {
  write(text: string): unknown;
}

/** stderr: the progress bar draws on it when it is a terminal. */
type ErrorStream = Writable & Partial<Pick<NodeJS.WriteStream, 'isTTY'>> & NodeJS.WritableStream;

/**
 * `agent-triage replay`: exit 0 when every fixture still classifies the same,
 * 1 when one changed or a fixture is invalid, 2 when the arguments or the
 * configuration are invalid.
 */
export function runReplay(paths: string[], options: Record<string, unknown>, out: Writable, err: ErrorStream): number {
  const args = replayArgs.safeParse({ paths, ...options });
  if (!args.success) {
    err.write(`agent-triage replay: ${describeZodError('arguments', args.error)}\n`);
    return 2;
  }
  let replayer: FixtureReplayer;
  try {
    replayer = new FixtureReplayer(args.data.taxonomy === undefined ? {} : { taxonomy: args.data.taxonomy });
  } catch (error) {
    err.write(`agent-triage replay: ${(error as Error).message}\n`);
    return 2;
  }
  const { fixtures, errors } = readFixtures(args.data.paths);
  for (const error of errors) err.write(`error: ${error}\n`);
  const bar = err.isTTY === true && fixtures.length >= PROGRESS_MIN_FIXTURES ? new cliProgress.SingleBar({ stream: err, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(fixtures.length, 0);
  const results = fixtures.map(({ path, fixture }) => {
    const result = { ...replayer.replay(fixture), path };
    bar?.increment();
    return result;
  });
  bar?.stop();
  for (const [id, count] of replayer.signalErrors) err.write(`warning: signal ${id} threw ${count} time(s) while replaying\n`);
  const report: ReplayReport = summarize(results, errors);
  out.write(args.data.json ? jsonReport(report) : textReport(report));
  if (args.data.junit !== undefined) {
    try {
      writeFileSync(args.data.junit, junitReport(report));
    } catch (error) {
      err.write(`agent-triage replay: cannot write ${args.data.junit}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  return report.changed > 0 || report.invalid.length > 0 ? 1 : 0;
}
