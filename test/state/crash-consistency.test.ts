import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStatePersistence } from '../../src/index.js';
import { stateSnapshotSchema } from '../../src/state/state-snapshot.js';
import { createHarness, sumWhere } from '../helpers/harness.js';
import { tempDir } from '../helpers/otlp-files.js';
import { runTurn } from '../helpers/scripted-agent.js';

// The built module alone, so each child starts fast.
const DIST = fileURLToPath(new URL('../../dist/state/file-persistence.js', import.meta.url));

afterEach(() => {
  diag.disable();
});

/** A child that loads the state file, then saves ever newer generations of a 2000-key snapshot as fast as it can. */
const WRITER = `
const { FileStatePersistence } = await import(process.argv[1]);
const store = new FileStatePersistence(process.argv[2]);
const loaded = store.load();
let gen = loaded?.entries?.[0]?.[2]?.gen ?? 0;
process.stdout.write('writing\\n');
for (;;) {
  gen++;
  await store.save({ version: 1, savedAtMs: Date.now(), entries: Array.from({ length: 2000 }, (_, i) => ['ns', 'k' + i, { gen, pad: 'x'.repeat(40) }]) });
}
`;

function warnings(): string[] {
  const seen: string[] = [];
  diag.setLogger({ error: () => undefined, warn: (m: string) => seen.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  return seen;
}

describe('state file crash consistency', () => {
  it('always loads the old or the new snapshot after SIGKILL in the middle of writes, 25 times over', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const seed = Date.now() % 1_000_000;
    const delays = fc.sample(fc.integer({ min: 5, max: 150 }), { seed, numRuns: 25 });
    let previous = 0;
    for (const [round, delay] of delays.entries()) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, DIST, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await once(child.stdout, 'data');
      await new Promise(resolve => setTimeout(resolve, delay));
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;

      const loaded = new FileStatePersistence(path).load();
      const context = `round ${round}, killed ${delay} ms into writing (seed ${seed})`;
      const snapshot = stateSnapshotSchema.safeParse(loaded);
      if (loaded === undefined) {
        expect(previous, context).toBe(0); // nothing saved yet
        continue;
      }
      expect(snapshot.success, context).toBe(true);
      const gens = new Set(snapshot.data?.entries.map(([, , value]) => (value as { gen: number }).gen));
      expect(gens.size, `${context}: one generation per file`).toBe(1);
      const [gen = 0] = gens;
      expect(gen, `${context}: never older than before`).toBeGreaterThanOrEqual(previous);
      previous = gen;
    }
    expect(previous).toBeGreaterThan(0);
    // Never set aside as corrupt; the temporary files of interrupted saves are cleaned up on load.
    expect(readdirSync(dir).filter(name => name.includes('.corrupt-'))).toEqual([]);
    expect(readdirSync(dir).filter(name => name.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps signals running on memory on a full disk, counts each failed save and logs the first', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    // The store writes <path>.<pid>.tmp first: point it at /dev/full, which answers every write with ENOSPC.
    symlinkSync('/dev/full', `${path}.${process.pid}.tmp`);
    const seen = warnings();
    const h = createHarness({ state: { path } });
    for (let i = 0; i < 3; i++) {
      runTurn(h.tracer, { steps: [{ tool: { name: 'lookup', durationMs: 100 + i } }] });
      runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
      await h.processor.forceFlush();
    }
    expect(sumWhere(await h.metric('agent_triage.state.errors'), { 'agent_triage.reason': 'save' })).toBe(3);
    const logged = seen.filter(m => m.includes('cannot save state'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('signals keep running on memory');
    // Signals still judge: the provider errors were found each time.
    expect(h.findings.filter(f => f.signal === 'provider_error')).toHaveLength(3);
    await h.processor.shutdown();
  });

  it.each([
    ['written by an older version', JSON.stringify({ version: 0, savedAtMs: 1, entries: [] }), 'written by another version of otel-agent-triage (state format 0; this one reads 1)'],
    ['damaged (cut short)', JSON.stringify({ version: 1, savedAtMs: 1, entries: [['a', 'b', 1]] }).slice(0, 30), 'not JSON'],
    ['damaged (not a snapshot)', JSON.stringify({ version: 1, entries: 'x' }), 'not a state snapshot'],
  ])('starts fresh from a state file %s, with a clear message, keeping the file aside', async (_name, content, message) => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, content);
    const seen = warnings();
    const h = createHarness({ state: { path } });
    await h.processor.forceFlush();
    expect(seen.filter(m => m.includes(message) && m.includes('moved to') && m.includes('starting fresh'))).toHaveLength(1);
    const aside = readdirSync(dir).filter(name => name.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0] ?? ''), 'utf8')).toBe(content);
    runTurn(h.tracer, { steps: [{ tool: { name: 'lookup', durationMs: 100 } }] });
    await h.processor.shutdown();
    expect(stateSnapshotSchema.safeParse(JSON.parse(readFileSync(path, 'utf8'))).success).toBe(true);
  });
});
