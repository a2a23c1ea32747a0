import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../config/config-error.js';
import { fingerprintOf } from '../engine/finding.js';
import { CUSTOM_SIGNAL_PATTERN, SIGNAL_IDS } from '../signals/signal.js';
import type { SignalName } from '../signals/signal.js';

const BUILT_IN: readonly string[] = SIGNAL_IDS;
const isSignalName = (value: unknown): boolean => typeof value === 'string' && (BUILT_IN.includes(value) || CUSTOM_SIGNAL_PATTERN.test(value));

/**
 * The fields of a replay fixture the report reads: the forensics checklist's
 * identity and classification fields plus our `class` extension. Other
 * fields are allowed and ignored, so the report reads fixtures of any
 * schema version that keeps these.
 */
const reportFixtureSchema = z.looseObject({
  fixture_id: z.string().min(1),
  recorded_at: z.iso.datetime({ offset: true }),
  agent_version: z.string().nullish(),
  failure_signal: z.custom<SignalName>(isSignalName, 'expected a signal id (or custom.<name>)'),
  class: z.string().min(1),
  severity: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
  agent_name: z.string().nullish(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export interface ReportFixture {
  readonly id: string;
  readonly recordedAtMs: number;
  readonly signal: string;
  readonly class: string;
  readonly fingerprint: string;
  readonly agent: string | undefined;
  readonly tool: string | undefined;
}

export interface FixtureRead {
  readonly fixtures: ReportFixture[];
  /** One line per file that could not be used, naming the file. */
  readonly errors: string[];
}

/** Every `agent_fail_*.json` fixture directly in `dir`, in name order (handoff packets beside them are not fixtures). */
export function readReportFixtures(dir: string): FixtureRead {
  const fixtures: ReportFixture[] = [];
  const errors: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter(name => name.startsWith('agent_fail_') && name.endsWith('.json'))
      .sort();
  } catch (error) {
    return { fixtures, errors: [`${dir}: cannot read directory: ${(error as Error).message}`] };
  }
  for (const name of names) {
    const path = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      errors.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    const parsed = reportFixtureSchema.safeParse(raw);
    if (!parsed.success) {
      errors.push(describeZodError(path, parsed.error));
      continue;
    }
    const f = parsed.data;
    const agent = f.agent_name ?? undefined;
    const toolDetail = f.details?.['gen_ai.tool.name'];
    const tool = typeof toolDetail === 'string' ? toolDetail : undefined;
    fixtures.push({
      id: f.fixture_id,
      recordedAtMs: Date.parse(f.recorded_at),
      signal: f.failure_signal,
      class: f.class,
      fingerprint: f.fingerprint ?? fingerprintOf(f.failure_signal, f.class, agent, tool),
      agent,
      tool,
    });
  }
  return { fixtures, errors };
}
