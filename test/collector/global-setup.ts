import type { TestProject } from 'vitest/node';
import { ensureCollector, goAvailable, NO_GO_MESSAGE } from './build-collector.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built Collector, or '' when the tests skip (no Go on a developer machine). */
    otelcolBinary: string;
  }
}

/**
 * Builds (or reuses) the Collector before the Collector tests. In CI (CI set) a missing Go
 * toolchain or a failed build fails the run; on a developer machine without Go the tests skip.
 */
export default async function setup(project: TestProject): Promise<void> {
  const ci = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';
  if (process.env['OTELCOL_BIN'] === undefined && !goAvailable()) {
    if (ci) throw new Error(`The Collector tests must run in CI: ${NO_GO_MESSAGE}`);
    console.warn(`Collector tests skipped: ${NO_GO_MESSAGE}`);
    project.provide('otelcolBinary', '');
    return;
  }
  project.provide('otelcolBinary', await ensureCollector(line => { console.log(line); }));
}
