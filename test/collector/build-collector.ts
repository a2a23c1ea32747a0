import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Builds the Collector distribution of test/collector (go.mod, go.sum, main.go) into
 * `.cache/otelcol/<hash>/` of the checkout, an ignored folder, and reuses it while those three
 * files are unchanged. Go's own module and build caches stay where Go keeps them (GOMODCACHE,
 * GOCACHE: outside the checkout).
 */
export const COLLECTOR_SOURCE_DIR = fileURLToPath(new URL('.', import.meta.url));
const CACHE_DIR = fileURLToPath(new URL('../../.cache/otelcol/', import.meta.url));
const SOURCES = ['go.mod', 'go.sum', 'main.go'];
const BINARY = 'otelcol-agent-triage';

/** Why the Collector tests cannot run without Go, and how to enable them. */
export const NO_GO_MESSAGE =
  'no Go toolchain on PATH. Install Go (1.26 or newer, as test/collector/go.mod says) and run `npm run test:collector`; it builds the Collector on first use (a few minutes) and caches it in .cache/otelcol/.';

export function goAvailable(): boolean {
  return spawnSync('go', ['version']).error === undefined;
}

/** Hash of the files that decide the binary. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const name of SOURCES) hash.update(name).update('\0').update(readFileSync(join(COLLECTOR_SOURCE_DIR, name)));
  return hash.digest('hex').slice(0, 16);
}

export function collectorBinaryPath(): string {
  return join(CACHE_DIR, sourceHash(), BINARY);
}

/**
 * The path of the built Collector, building it first when no binary for the current sources
 * exists. `OTELCOL_BIN` names a prebuilt binary instead. @throws Error with Go's output when the build fails.
 */
export async function ensureCollector(log: (line: string) => void = () => undefined): Promise<string> {
  const prebuilt = process.env['OTELCOL_BIN'];
  if (prebuilt !== undefined && prebuilt !== '') return prebuilt;
  const binary = collectorBinaryPath();
  if (existsSync(binary)) return binary;
  const dir = join(CACHE_DIR, sourceHash());
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.partial-${process.pid}`;
  log(`building the OpenTelemetry Collector (test/collector) into ${dir}: a few minutes on the first run`);
  const started = Date.now();
  try {
    await promisify(execFile)('go', ['build', '-trimpath', '-buildvcs=false', '-o', partial, '.'], {
      cwd: COLLECTOR_SOURCE_DIR,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`building the Collector failed (go build in test/collector):\n${stderr ?? (error as Error).message}`, { cause: error });
  }
  renameSync(partial, binary);
  log(`built the Collector in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return binary;
}
