import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { hrTimeToMs } from '../normalize/normalize-span.js';

/**
 * The order in which a request's spans are fed to the processor: end time
 * (children usually end before their root, as in-process), except that a span
 * never goes before a span of the same request directly under it.
 *
 * End time alone is not enough: the OpenTelemetry JS SDK anchors each span's
 * times on its own `Date.now()` reading at start (milliseconds), so a child
 * that ended first can carry an end time up to a millisecond after its
 * parent's; spans timed in different processes skew further. Fed by time alone, the parent would
 * decide its turn without that child (at `decisionWaitMs` 0), and the child
 * would then open a trace of its own that waits for the orphan timeout.
 *
 * Sorts `spans` in place; the result is that array when nothing needs to
 * wait, which is the usual case.
 */
export function feedOrder(spans: ReadableSpan[]): ReadableSpan[] {
  sortByEnd(spans);
  const index = new Map<string, number>();
  for (let i = 0; i < spans.length; i++) index.set((spans[i] as ReadableSpan).spanContext().spanId, i);
  // For each span, the index of its parent in the request (same trace), or -1; and how many children it awaits.
  const parentAt = new Int32Array(spans.length).fill(-1);
  const awaiting = new Int32Array(spans.length);
  let late = false;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as ReadableSpan;
    const parentId = span.parentSpanContext?.spanId;
    const at = parentId === undefined ? undefined : index.get(parentId);
    if (at === undefined || at === i || (spans[at] as ReadableSpan).spanContext().traceId !== span.spanContext().traceId) continue;
    parentAt[i] = at;
    awaiting[at] = (awaiting[at] ?? 0) + 1;
    if (at < i) late = true;
  }
  if (!late) return spans;
  const ordered: ReadableSpan[] = [];
  const deferred = new Uint8Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    if (awaiting[i] !== 0) {
      deferred[i] = 1;
      continue;
    }
    // Feed the span, then every deferred ancestor it was the last child awaited by.
    for (let at = i; at >= 0; ) {
      ordered.push(spans[at] as ReadableSpan);
      const parent = parentAt[at] ?? -1;
      if (parent < 0) break;
      const left = (awaiting[parent] ?? 0) - 1;
      awaiting[parent] = left;
      at = left === 0 && deferred[parent] === 1 ? parent : -1;
    }
  }
  // Parent links that loop (bad input) leave spans waiting on each other, deferred for good: they go last, in end order.
  if (ordered.length < spans.length) for (let i = 0; i < spans.length; i++) if (deferred[i] === 1 && awaiting[i] !== 0) ordered.push(spans[i] as ReadableSpan);
  return ordered;
}

/**
 * Stable sort by end time. A request is in end order but for clock skew (its
 * sender exported spans as they ended), so an insertion sort with each end
 * computed once moves few spans; past a budget of moves (input in another
 * order) the rest is left to the library sort.
 */
function sortByEnd(spans: ReadableSpan[]): void {
  const ends = new Float64Array(spans.length);
  for (let i = 0; i < spans.length; i++) ends[i] = hrTimeToMs((spans[i] as ReadableSpan).endTime);
  let budget = 8 * spans.length;
  for (let i = 1; i < spans.length; i++) {
    const end = ends[i] as number;
    if (end >= (ends[i - 1] as number)) continue;
    const span = spans[i] as ReadableSpan;
    let j = i - 1;
    for (; j >= 0 && (ends[j] as number) > end; j--) {
      ends[j + 1] = ends[j] as number;
      spans[j + 1] = spans[j] as ReadableSpan;
    }
    ends[j + 1] = end;
    spans[j + 1] = span;
    budget -= i - j;
    if (budget < 0) {
      spans.sort((a, b) => hrTimeToMs(a.endTime) - hrTimeToMs(b.endTime));
      return;
    }
  }
}
