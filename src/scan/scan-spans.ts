import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { hrTimeToMs } from '../normalize/normalize-span.js';
import { AgentTriageSpanProcessor } from '../processor/agent-triage-span-processor.js';
import type { AgentTriageSpanProcessorOptions } from '../processor/options.js';
import type { Finding } from '../engine/finding.js';

/** A processor that only counts what reaches it: the scan needs findings, not exports. */
class DiscardingProcessor implements SpanProcessor {
  received = 0;
  onStart(): void {
    // no-op: spans from files are already ended
  }
  onEnd(): void {
    this.received++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export type ScanOptions = Omit<AgentTriageSpanProcessorOptions, 'next' | 'onFinding' | 'decisionWaitMs' | 'clock'>;

export interface ScanStreamLimits {
  /**
   * Recorded time a trace is held after its latest span end, in case more of
   * its spans arrive (input is roughly in end order, as exporters write it).
   */
  readonly reorderWindowMs: number;
  /** Spans held at once; past it the oldest traces are judged early. */
  readonly maxSpansInFlight: number;
}

export const DEFAULT_SCAN_LIMITS: ScanStreamLimits = { reorderWindowMs: 300_000, maxSpansInFlight: 500_000 };

/**
 * Runs recorded spans through the same processor as in-process. Spans are
 * taken trace by trace (traces in the order they finished, each trace's spans
 * in the order they ended) and each trace's turns are decided once all its
 * spans are in, so a child that ended a little after its root still counts.
 * The clock of baselines and windows is the recorded time (the latest span end
 * so far), not the time of the scan. State is kept in memory unless
 * `options.state` says otherwise.
 */
export async function scanSpans(spans: readonly ReadableSpan[], options: ScanOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  await scanSpanStream(oneBatch(spans), options, finding => findings.push(finding), {
    reorderWindowMs: Number.POSITIVE_INFINITY,
    maxSpansInFlight: Number.POSITIVE_INFINITY,
  });
  return findings;
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterable of one batch
async function* oneBatch(spans: readonly ReadableSpan[]): AsyncGenerator<readonly ReadableSpan[]> {
  yield spans;
}

/**
 * `scanSpans` over spans as they are read: a trace is judged once the
 * recorded time (the latest span end read so far) has passed its latest span
 * end by `limits.reorderWindowMs`, or when more than `limits.maxSpansInFlight`
 * spans are held; the rest at the end of the input. Memory holds the traces in
 * flight, not the input. On input in rough end order the traces are judged in
 * the same order, with the same findings, as `scanSpans` over all of it.
 */
export async function scanSpanStream(
  batches: AsyncIterable<readonly ReadableSpan[]>,
  options: ScanOptions,
  onFinding: (finding: Finding) => void,
  limits: ScanStreamLimits = DEFAULT_SCAN_LIMITS,
): Promise<void> {
  const sink = new DiscardingProcessor();
  let recordedNowMs = 0;
  const processor = new AgentTriageSpanProcessor({
    state: { persistence: false },
    ...options,
    next: sink,
    onFinding,
    decisionWaitMs: Number.MAX_SAFE_INTEGER,
    clock: () => recordedNowMs,
  });
  const inFlight = new TracesInFlight();
  const judge = async (traces: readonly TraceInFlight[]): Promise<void> => {
    for (const trace of traces) {
      for (const { span } of trace.spans) {
        recordedNowMs = Math.max(recordedNowMs, hrTimeToMs(span.endTime));
        processor.onEnd(span);
      }
      await processor.forceFlush();
    }
  };
  for await (const batch of batches) {
    inFlight.add(batch);
    await judge(inFlight.takeReady(limits));
  }
  await judge(inFlight.takeAll());
  await processor.shutdown();
}

interface TraceInFlight {
  /** In end order, ties in read order. */
  readonly spans: { span: ReadableSpan; endMs: number; seq: number }[];
  lastEndMs: number;
  /** The earliest end, and the read position of the first span read with it: ties between traces. */
  firstEndMs: number;
  firstSeq: number;
}

/**
 * Spans held by trace until judged. Traces are handed out in the order of
 * their latest span end, ties by their earliest span end, then by read order.
 */
class TracesInFlight {
  private readonly traces = new Map<string, TraceInFlight>();
  private spanCount = 0;
  private seq = 0;
  private watermarkMs = Number.NEGATIVE_INFINITY;

  add(batch: readonly ReadableSpan[]): void {
    for (const span of batch) {
      const endMs = hrTimeToMs(span.endTime);
      const seq = this.seq++;
      this.watermarkMs = Math.max(this.watermarkMs, endMs);
      const traceId = span.spanContext().traceId;
      let trace = this.traces.get(traceId);
      if (trace === undefined) {
        trace = { spans: [], lastEndMs: endMs, firstEndMs: endMs, firstSeq: seq };
        this.traces.set(traceId, trace);
      }
      insertInEndOrder(trace.spans, { span, endMs, seq });
      trace.lastEndMs = Math.max(trace.lastEndMs, endMs);
      if (endMs < trace.firstEndMs) {
        trace.firstEndMs = endMs;
        trace.firstSeq = seq;
      }
      this.spanCount++;
    }
  }

  takeReady(limits: ScanStreamLimits): TraceInFlight[] {
    const before = this.watermarkMs - limits.reorderWindowMs;
    const ready = [...this.traces.values()].filter(trace => trace.lastEndMs < before);
    let held = this.spanCount - ready.reduce((sum, trace) => sum + trace.spans.length, 0);
    if (held > limits.maxSpansInFlight) {
      const rest = [...this.traces.values()].filter(trace => trace.lastEndMs >= before).sort(judgedBefore);
      for (const trace of rest) {
        if (held <= limits.maxSpansInFlight / 2) break;
        ready.push(trace);
        held -= trace.spans.length;
      }
    }
    return this.take(ready);
  }

  takeAll(): TraceInFlight[] {
    return this.take([...this.traces.values()]);
  }

  private take(traces: TraceInFlight[]): TraceInFlight[] {
    for (const trace of traces) {
      const first = trace.spans[0];
      if (first !== undefined) this.traces.delete(first.span.spanContext().traceId);
      this.spanCount -= trace.spans.length;
    }
    return traces.sort(judgedBefore);
  }
}

function judgedBefore(a: TraceInFlight, b: TraceInFlight): number {
  return a.lastEndMs - b.lastEndMs || a.firstEndMs - b.firstEndMs || a.firstSeq - b.firstSeq;
}

/** Spans mostly arrive in end order: insert from the back. */
function insertInEndOrder(spans: TraceInFlight['spans'], entry: TraceInFlight['spans'][number]): void {
  let at = spans.length;
  while (at > 0 && (spans[at - 1]?.endMs ?? 0) > entry.endMs) at--;
  spans.splice(at, 0, entry);
}

/** The scan CLI's output line: a fixed contract, other tools parse it. */
export function findingToJsonLine(finding: Finding): string {
  return JSON.stringify({
    traceId: finding.traceId,
    spanId: finding.spanId,
    signal: finding.signal,
    class: finding.class,
    severity: finding.severity,
    scope: finding.scope,
    secondaryClasses: finding.secondaryClasses,
    action: finding.action,
    remediation: finding.remediation,
    fingerprint: finding.fingerprint,
    turnRootSpanId: finding.turnRootSpanId,
    agentName: finding.agentName,
    toolName: finding.toolName,
    incomplete: finding.incomplete,
    details: finding.details,
  });
}
