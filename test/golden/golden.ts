import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Attributes, Context, HrTime } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { expect } from 'vitest';
import { runScan } from '../../src/cli/scan-command.js';
import type { AgentTriageSpanProcessorOptions } from '../../src/index.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';

/**
 * Golden verdicts: for a corpus of spans recorded from a real library run,
 * (a) the JSON Lines `agent-triage scan` prints for it written as OTLP/JSON,
 * and (b) what AgentTriageSpanProcessor added to each span it forwarded
 * (attributes and appended events). Both are compared with the files under
 * `__golden__/`; `UPDATE_GOLDEN=1 npx vitest run test/golden` rewrites them.
 *
 * Normalised so that a rerun gives the same bytes: trace and span ids become
 * ordinals (see SpanIdentities), event times are left out, and attribute keys
 * are sorted. Live corpora are scanned on a logical clock (see
 * `onLogicalClock`). Nothing else is rewritten.
 */
export const GOLDEN_DIR = fileURLToPath(new URL('./__golden__/', import.meta.url));
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const REGENERATE = 'UPDATE_GOLDEN=1 npx vitest run test/golden';

/**
 * Options that take the wall clock out of the live processor's verdicts:
 * a health event per cause once per processor (not once per minute of test
 * time), and held turn roots decided by `forceFlush`, never by the sweep timer
 * after a grace period a loaded machine may overrun.
 */
export const GOLDEN_TRIAGE_OPTIONS: Partial<AgentTriageSpanProcessorOptions> = {
  instrumentationHealthIntervalMs: Number.MAX_SAFE_INTEGER,
  rootGraceMs: Number.MAX_SAFE_INTEGER,
};

/** Records the order in which spans start and end: program order, free of clock ticks. */
class Lifecycle implements SpanProcessor {
  readonly starts: string[] = [];
  /** Starts and ends in one sequence, `+id` and `-id`. */
  readonly sequence: string[] = [];
  onStart(span: Span): void {
    this.starts.push(span.spanContext().spanId);
    this.sequence.push(`+${span.spanContext().spanId}`);
  }
  onEnd(span: ReadableSpan): void {
    this.sequence.push(`-${span.spanContext().spanId}`);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Hands every call to each processor in turn, for libraries that take a single processor. */
class BothProcessors implements SpanProcessor {
  private readonly _processors: readonly SpanProcessor[];
  constructor(processors: readonly SpanProcessor[]) {
    this._processors = processors;
  }
  onStart(span: Span, parentContext: Context): void {
    for (const p of this._processors) p.onStart(span, parentContext);
  }
  onEnding(span: Span): void {
    for (const p of this._processors) p.onEnding?.(span);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this._processors) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    for (const p of this._processors) await p.forceFlush();
  }
  async shutdown(): Promise<void> {
    for (const p of this._processors) await p.shutdown();
  }
}

/** A triage processor forwarding to an in-memory exporter, beside a second exporter that records the raw spans. */
export interface GoldenRecorder {
  readonly harness: Harness;
  /** The spans as the app made them, before triage. */
  readonly raw: InMemorySpanExporter;
  /** The triage processor plus the start-order recorder: the one to give a library that takes a single processor (with `raw` as its exporter). */
  readonly processor: SpanProcessor;
  /** Every processor: the one to register where a library takes a provider. */
  readonly provider: TracerProvider;
  /** Stable names for the recorded spans, once they have all ended. */
  identities(): SpanIdentities;
  /** The raw spans on a logical clock (see `onLogicalClock`). */
  logicalSpans(): ReadableSpan[];
}

export function goldenRecorder(options: Partial<AgentTriageSpanProcessorOptions> = {}): GoldenRecorder {
  const harness = createHarness({ ...GOLDEN_TRIAGE_OPTIONS, ...options });
  const raw = new InMemorySpanExporter();
  const lifecycle = new Lifecycle();
  const processor = new BothProcessors([lifecycle, harness.processor]);
  const provider = new TracerProvider({ spanProcessors: [processor, new SimpleSpanProcessor({ exporter: raw })] });
  return {
    harness,
    raw,
    processor,
    provider,
    identities: () => new SpanIdentities(raw.getFinishedSpans(), lifecycle.starts),
    logicalSpans: () => onLogicalClock(raw.getFinishedSpans(), lifecycle.sequence),
  };
}

/** 2026-01-05T00:00:00Z: where the logical clock starts. */
const LOGICAL_EPOCH_MS = Date.UTC(2026, 0, 5);
const hrTimeOf = (ms: number): HrTime => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];

/**
 * Copies of spans recorded live, with their times replaced by a logical
 * clock: one millisecond per start or end, in the order they happened. The
 * SDK's own times carry a per-span offset of up to a millisecond, so a child
 * can appear to end after its parent on one run and not on the next, and the
 * scan orders spans by recorded end time. Durations become step counts; no
 * signal judges durations on these corpora (tool_latency_spike needs 30 calls
 * of a tool, they have at most a few).
 */
function onLogicalClock(spans: readonly ReadableSpan[], sequence: readonly string[]): ReadableSpan[] {
  const tick = new Map(sequence.map((event, i) => [event, LOGICAL_EPOCH_MS + i]));
  return spans.map(span => {
    const id = span.spanContext().spanId;
    const [startMs, endMs] = [tick.get(`+${id}`), tick.get(`-${id}`)];
    if (startMs === undefined || endMs === undefined) throw new Error(`span ${span.name} was not seen to start and end`);
    const endTime = hrTimeOf(endMs);
    return Object.create(span, {
      startTime: { value: hrTimeOf(startMs), enumerable: true },
      endTime: { value: endTime, enumerable: true },
      duration: { value: hrTimeOf(endMs - startMs), enumerable: true },
      events: { value: span.events.map(event => ({ ...event, time: endTime })), enumerable: true },
    }) as ReadableSpan;
  });
}

/**
 * Stable names for random trace and span ids: `T<n>` for the n-th trace and
 * `T<n>.S<m>` for the m-th span of that trace, both in the order spans
 * started (program order; clock ticks are too coarse to order by, a parent
 * and its first child often share one).
 */
export class SpanIdentities {
  private readonly _labels = new Map<string, string>();
  private readonly _order = new Map<string, number>();
  readonly traces: number;

  constructor(spans: readonly ReadableSpan[], startOrder: readonly string[]) {
    const started = new Map(startOrder.map((spanId, i) => [spanId, i]));
    const position = (span: ReadableSpan): number => {
      const at = started.get(span.spanContext().spanId);
      if (at === undefined) throw new Error(`span ${span.name} ended without being seen to start`);
      return at;
    };
    const byTrace = new Map<string, ReadableSpan[]>();
    for (const span of [...spans].sort((a, b) => position(a) - position(b))) {
      const traceId = span.spanContext().traceId;
      const list = byTrace.get(traceId) ?? [];
      list.push(span);
      byTrace.set(traceId, list);
    }
    this.traces = byTrace.size;
    [...byTrace.entries()].forEach(([traceId, list], t) => {
      this._labels.set(traceId, `T${t + 1}`);
      list.forEach((span, s) => {
        this._labels.set(span.spanContext().spanId, `T${t + 1}.S${s + 1}`);
        this._order.set(span.spanContext().spanId, t * 1_000_000 + s);
      });
    });
  }

  label(spanId: string): string {
    const label = this._labels.get(spanId);
    if (label === undefined) throw new Error(`span ${spanId} is not in the corpus`);
    return label;
  }

  order(spanId: string): number {
    return this._order.get(spanId) ?? Number.MAX_SAFE_INTEGER;
  }

  /** The value with every trace or span id of the corpus replaced by its label. */
  normalize(value: unknown): unknown {
    if (typeof value === 'string') return this._labels.get(value) ?? value;
    if (Array.isArray(value)) return value.map(item => this.normalize(item));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.normalize(item)]));
    }
    return value;
  }

  /** Attributes with ids replaced and keys sorted. */
  attributes(attributes: Attributes): Record<string, unknown> {
    const sorted = Object.keys(attributes).sort();
    return Object.fromEntries(sorted.map(key => [key, this.normalize(attributes[key])]));
  }
}

/**
 * What triage added to each forwarded span, one JSON line per span that got
 * anything, in corpus order, after a header line with the counts. Fails when a
 * span was not forwarded exactly once.
 */
export function triageAdditions(raw: readonly ReadableSpan[], forwarded: readonly ReadableSpan[], ids: SpanIdentities): string[] {
  const rawById = new Map(raw.map(span => [span.spanContext().spanId, span]));
  const seen = new Set<string>();
  const lines: { order: number; line: string }[] = [];
  for (const span of forwarded) {
    const spanId = span.spanContext().spanId;
    const before = rawById.get(spanId);
    if (!before) throw new Error(`forwarded span ${span.name} (${spanId}) was never recorded raw`);
    if (seen.has(spanId)) throw new Error(`span ${span.name} (${ids.label(spanId)}) was forwarded twice`);
    seen.add(spanId);
    const added: Attributes = {};
    for (const [key, value] of Object.entries(span.attributes)) {
      if (!isDeepStrictEqual(before.attributes[key], value)) added[key] = value;
    }
    const removed = Object.keys(before.attributes).filter(key => !(key in span.attributes));
    const kept = span.events.slice(0, before.events.length);
    if (!isDeepStrictEqual(kept, before.events)) throw new Error(`triage changed the recorded events of ${span.name} (${ids.label(spanId)})`);
    const events = span.events.slice(before.events.length).map(event => ({ name: event.name, attributes: ids.attributes(event.attributes ?? {}) }));
    if (Object.keys(added).length === 0 && removed.length === 0 && events.length === 0) continue;
    const entry = {
      span: ids.label(spanId),
      name: span.name,
      attributes: ids.attributes(added),
      ...(removed.length > 0 && { removed: removed.sort() }),
      events,
    };
    lines.push({ order: ids.order(spanId), line: JSON.stringify(entry) });
  }
  const missing = raw.filter(span => !seen.has(span.spanContext().spanId));
  if (missing.length > 0) throw new Error(`not forwarded: ${missing.map(s => `${s.name} (${ids.label(s.spanContext().spanId)})`).join(', ')}`);
  const header = JSON.stringify({ traces: ids.traces, spans: raw.length, spansWithAdditions: lines.length });
  return [header, ...lines.sort((a, b) => a.order - b.order).map(l => l.line)];
}

/** The corpus as an OTLP/JSON file in a temporary folder, scanned by the scan command; its stdout lines, ids replaced. */
export async function scanLines(raw: readonly ReadableSpan[], ids: SpanIdentities): Promise<string[]> {
  const dir = tempDir('golden-scan-');
  try {
    writeFile(dir, 'corpus.json', toOtlpJson([...raw]));
    const out: string[] = [];
    const err: string[] = [];
    const code = await runScan([dir], {}, { write: text => out.push(text) }, { write: text => err.push(text) });
    expect(code, err.join('')).toBe(0);
    return out
      .join('')
      .split('\n')
      .filter(line => line !== '')
      .map(line => JSON.stringify(ids.normalize(JSON.parse(line))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compares `lines` with the golden file, or rewrites it under UPDATE_GOLDEN=1; returns what differs, if anything. */
function compareGolden(file: string, lines: readonly string[]): string | undefined {
  const path = join(GOLDEN_DIR, file);
  const actual = lines.map(line => `${line}\n`).join('');
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return undefined;
  }
  if (!existsSync(path)) return `${file}: no golden file yet; run ${REGENERATE}`;
  const expected = readFileSync(path, 'utf8');
  return actual === expected ? undefined : `${file} differs from its golden (if the change is intended, run ${REGENERATE}):\n${lineDiff(expected, actual)}`;
}

/** Lines only in the golden (-) and only in the new output (+), with line numbers; each line is one record. */
function lineDiff(expected: string, actual: string, max = 30): string {
  const before = expected.split('\n');
  const after = actual.split('\n');
  const count = (lines: string[]): Map<string, number> => lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const only = (lines: string[], other: Map<string, number>, sign: string): string[] => {
    const left = new Map(other);
    const out: string[] = [];
    lines.forEach((line, i) => {
      const n = left.get(line) ?? 0;
      if (n > 0) left.set(line, n - 1);
      else out.push(`${sign} ${i + 1}: ${line}`);
    });
    return out;
  };
  const removed = only(before, count(after), '-');
  const added = only(after, count(before), '+');
  if (removed.length === 0 && added.length === 0) {
    const at = before.findIndex((line, i) => line !== after[i]);
    return `same lines in another order, first at line ${at + 1}:\n- ${before[at] ?? ''}\n+ ${after[at] ?? ''}`;
  }
  const cap = (list: string[]): string[] => (list.length > max ? [...list.slice(0, max), `  … ${list.length - max} more`] : list);
  return [...cap(removed), ...cap(added)].join('\n');
}

/** Runs each scenario as a turn, then flushes the processor so the turn is decided before the next one. */
export async function runTurns<T>(recorder: GoldenRecorder, scenarios: readonly T[], run: (scenario: T) => Promise<unknown>): Promise<void> {
  for (const scenario of scenarios) {
    await run(scenario);
    await recorder.harness.processor.forceFlush();
  }
}

/**
 * Checks (or rewrites) both goldens of a corpus: `<name>.spans.jsonl` and
 * `<name>.scan.jsonl`. The scan reads the corpus on the logical clock unless
 * its recorded times are already deterministic (`recorded`: simulated traffic).
 */
export async function expectCorpusGoldens(name: string, recorder: GoldenRecorder, times: 'recorded' | 'logical' = 'logical'): Promise<void> {
  const raw = recorder.raw.getFinishedSpans();
  const forwarded = recorder.harness.spans();
  expect(raw.length, 'the corpus has spans').toBeGreaterThan(0);
  const ids = recorder.identities();
  const differences = [
    compareGolden(`${name}.spans.jsonl`, triageAdditions(raw, forwarded, ids)),
    compareGolden(`${name}.scan.jsonl`, await scanLines(times === 'logical' ? recorder.logicalSpans() : raw, ids)),
  ].filter(difference => difference !== undefined);
  if (differences.length > 0) expect.fail(differences.join('\n\n'));
}
