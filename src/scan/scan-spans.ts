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
  const sink = new DiscardingProcessor();
  let recordedNowMs = 0;
  const processor = new AgentTriageSpanProcessor({
    state: { persistence: false },
    ...options,
    next: sink,
    onFinding: finding => findings.push(finding),
    decisionWaitMs: Number.MAX_SAFE_INTEGER,
    clock: () => recordedNowMs,
  });
  for (const trace of tracesInEndOrder(spans)) {
    for (const span of trace) {
      recordedNowMs = Math.max(recordedNowMs, hrTimeToMs(span.endTime));
      processor.onEnd(span);
    }
    await processor.forceFlush();
  }
  await processor.shutdown();
  return findings;
}

function tracesInEndOrder(spans: readonly ReadableSpan[]): ReadableSpan[][] {
  const traces = new Map<string, ReadableSpan[]>();
  for (const span of [...spans].sort((a, b) => hrTimeToMs(a.endTime) - hrTimeToMs(b.endTime))) {
    const traceId = span.spanContext().traceId;
    const trace = traces.get(traceId) ?? [];
    traces.set(traceId, trace);
    trace.push(span);
  }
  const lastEnd = (trace: ReadableSpan[]): number => hrTimeToMs(trace[trace.length - 1]?.endTime ?? [0, 0]);
  return [...traces.values()].sort((a, b) => lastEnd(a) - lastEnd(b));
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
