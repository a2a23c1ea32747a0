import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spansFromTraceRequest } from '../../src/otlp/parse-trace-request.js';
import { findingToJsonLine, scanSpans } from '../../src/scan/scan-spans.js';
import { recordSpans, tempDir, toOtlpJson } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { present, startTestGateway } from '../helpers/gateway.js';

const SPANS = recordSpans(tracer => {
  runTurn(tracer, HEALTHY_TURN);
  runTurn(tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
  runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: 'a', name: 'search' }] } }, { tool: { name: 'search', id: 'a', fail: 'timeout' } }, { llm: { text: 'sorry' } }] });
  runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: 'b', name: 'refund' }] } }, { llm: {} }, { llm: {} }, { llm: { text: 'ok' } }] });
});

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter(line => line !== '');

/** Sends the spans in the given order, cut into requests of the given sizes, alternating JSON and protobuf. */
async function send(url: string, spans: ReadableSpan[], sizes: number[]): Promise<void> {
  let offset = 0;
  for (let i = 0; offset < spans.length; i++) {
    const batch = spans.slice(offset, offset + (sizes[i % sizes.length] ?? 1));
    offset += batch.length;
    const protobuf = i % 2 === 1;
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' },
      body: protobuf ? present(ProtobufTraceSerializer.serializeRequest(batch), 'protobuf') : toOtlpJson(batch),
    });
    expect(res.status).toBe(200);
  }
}

describe('gateway delivery (property)', () => {
  it('forwards every accepted span exactly once and finds what scan finds, whatever the batching and order', async () => {
    const expected = (await scanSpans(SPANS)).map(findingToJsonLine).sort();
    const ids = SPANS.map(s => s.spanContext().spanId).sort();
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(SPANS, { minLength: SPANS.length, maxLength: SPANS.length }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
        async (order, sizes) => {
          const out = tempDir();
          const gateway = await startTestGateway({ out, forward: { maxBatchSpans: 3 } });
          await send(gateway.url, order, sizes);
          await gateway.shutdown();
          const forwarded = lines(join(out, 'traces.jsonl')).flatMap(line => spansFromTraceRequest(JSON.parse(line), 'traces.jsonl'));
          expect(forwarded.map(s => s.spanContext().spanId).sort()).toEqual(ids);
          expect(lines(join(out, 'findings.jsonl')).sort()).toEqual(expected);
        },
      ),
      { numRuns: 20 },
    );
    // The unchanged fixture still triggers every kind of finding it was built for.
    expect(expected.map(line => (JSON.parse(line) as { signal: string }).signal).sort()).toEqual(['provider_error', 'skipped_planned_call', 'tool_error', 'zero_tool_calls']);
  });

  it('at decisionWaitMs 0, finds what scan finds when each request holds whole turns, in any order within it', async () => {
    const expected = (await scanSpans(SPANS)).map(findingToJsonLine).sort();
    const byTrace = new Map<string, ReadableSpan[]>();
    for (const span of SPANS) byTrace.set(span.spanContext().traceId, [...(byTrace.get(span.spanContext().traceId) ?? []), span]);
    const traces = [...byTrace.values()];
    await fc.assert(
      fc.asyncProperty(
        // Whole traces per request: a random cut of the turns, each request's spans shuffled.
        fc.array(fc.boolean(), { minLength: traces.length - 1, maxLength: traces.length - 1 }),
        fc.func(fc.integer()),
        async (cuts, rank) => {
          const requests: ReadableSpan[][] = [[]];
          traces.forEach((trace, i) => {
            if (i > 0 && cuts[i - 1]) requests.push([]);
            requests[requests.length - 1]?.push(...trace);
          });
          const out = tempDir();
          const gateway = await startTestGateway({ out, triage: { decisionWaitMs: 0 } });
          for (const request of requests) {
            const shuffled = request.map(span => ({ span, key: rank(span.spanContext().spanId) })).sort((a, b) => a.key - b.key).map(e => e.span);
            await send(gateway.url, shuffled, [shuffled.length]);
          }
          await gateway.shutdown();
          expect(lines(join(out, 'findings.jsonl')).sort()).toEqual(expected);
        },
      ),
      { numRuns: 20 },
    );
  });
});
