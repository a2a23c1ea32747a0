import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeZodError } from '../config/config-error.js';
import type { Fixture } from '../fixtures/fixture-schema.js';
import { FIXTURE_ID_PATTERN, fixtureSchema } from '../fixtures/fixture-schema.js';

/** A fixture read from disk, with its path. */
export interface FixtureFile {
  readonly path: string;
  readonly fixture: Fixture;
}

/** What `readFixtures` found: the fixtures it could parse, and an error per file it could not. */
export interface FixtureReadResult {
  readonly fixtures: FixtureFile[];
  /** Files that could not be read or are not valid fixtures, each naming the file and what is wrong. */
  readonly errors: string[];
}

function isFixtureName(name: string): boolean {
  return name.endsWith('.json') && FIXTURE_ID_PATTERN.test(name.slice(0, -'.json'.length));
}

/** Fixture files, and directories whose `agent_fail_*.json` files are read in name order. */
export function readFixtures(inputs: readonly string[]): FixtureReadResult {
  const fixtures: FixtureFile[] = [];
  const errors: string[] = [];
  for (const path of expand(inputs, errors)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      errors.push(`${path}: cannot read: ${(error as Error).message}`);
      continue;
    }
    const parsed = fixtureSchema.safeParse(json);
    if (parsed.success) fixtures.push({ path, fixture: parsed.data });
    else errors.push(describeZodError(path, parsed.error));
  }
  return { fixtures, errors };
}

/** Parses one fixture (a test's own, or one read by hand); throws naming what is wrong. */
export function parseFixture(json: unknown, where = 'fixture'): Fixture {
  const parsed = fixtureSchema.safeParse(json);
  if (!parsed.success) throw new Error(describeZodError(where, parsed.error));
  return parsed.data;
}

function expand(inputs: readonly string[], errors: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    try {
      if (!statSync(input).isDirectory()) {
        files.push(input);
        continue;
      }
    } catch (error) {
      errors.push(`${input}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    const names = readdirSync(input).filter(isFixtureName).sort();
    files.push(...names.map(name => join(input, name)));
  }
  return files;
}
