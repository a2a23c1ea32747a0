import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConfigError } from '../../src/index.js';
import type { Alert } from '../../src/alerts/alert.js';
import { WebhookAlertSink } from '../../src/alerts/webhook-sink.js';
import type { WebhookAlertOptions } from '../../src/alerts/webhook-options.js';
import { createHarness, sumWhere, TestMetricReader } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import type { Reply, WebhookReceiver } from '../helpers/webhook-receiver.js';

let receiver: WebhookReceiver | undefined;
const sinks: WebhookAlertSink[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(sinks.splice(0).map(s => s.shutdown()));
  await receiver?.close();
  receiver = undefined;
});

async function setup(replies: Reply[], options: Partial<WebhookAlertOptions> = {}): Promise<{ sink: WebhookAlertSink; hook: WebhookReceiver; reader: TestMetricReader }> {
  const hook = await startWebhookReceiver(replies);
  receiver = hook;
  const reader = new TestMetricReader();
  const sink = new WebhookAlertSink({ url: hook.url, ...options }, new MeterProvider({ readers: [reader] }).getMeter('test'));
  sinks.push(sink);
  return { sink, hook, reader };
}

function alert(key: string, timeMs = Date.now()): Alert {
  return { kind: 'failure', dedupeKey: key, title: `failure ${key} <&>`, fields: { signal: 'tool_error', class: 'logic' }, timeMs };
}

/** Lets real I/O (the loopback HTTP exchange) progress until the sink is backing off before retry number `n`. */
async function untilBackingOff(sink: WebhookAlertSink, n: number): Promise<void> {
  while (sink.retries.get([]) < n) await new Promise(resolve => setImmediate(resolve));
}

const FAKE: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'Date'] };

describe('webhook alert sink', () => {
  it('posts a Slack-compatible message by default, escaping Slack control characters', async () => {
    const { sink, hook } = await setup([]);
    sink.offer(alert('a'));
    await sink.forceFlush();

    expect(hook.requests).toHaveLength(1);
    const body = hook.requests[0]?.body as { text: string; blocks: { type: string }[] };
    expect(body.text).toBe('failure a &lt;&amp;&gt;');
    expect(body.blocks.map(b => b.type)).toEqual(['section', 'section', 'context']);
    expect(hook.requests[0]?.headers['content-type']).toBe('application/json');
    expect(sink.delivered.get([])).toBe(1);
  });

  it('posts generic JSON with custom headers when asked', async () => {
    const { sink, hook } = await setup([], { format: 'json', headers: { authorization: 'Bearer t0k' } });
    sink.offer(alert('a', Date.UTC(2026, 10, 23, 12)));
    await sink.forceFlush();

    expect(hook.requests[0]?.headers.authorization).toBe('Bearer t0k');
    expect(hook.requests[0]?.body).toEqual({
      type: 'agent_triage.alert',
      kind: 'failure',
      title: 'failure a <&>',
      dedupe_key: 'a',
      time: '2026-11-23T12:00:00.000Z',
      suppressed_duplicates: 0,
      fields: { signal: 'tool_error', class: 'logic' },
    });
  });

  it('dedupes by key within the window and reports the held-back count with the next alert', async () => {
    vi.useFakeTimers(FAKE);
    const { sink, hook } = await setup([], { format: 'json', dedupeWindowMs: 60_000 });
    sink.offer(alert('a'));
    sink.offer(alert('a'));
    sink.offer(alert('a'));
    sink.offer(alert('b'));
    await sink.forceFlush();
    expect(hook.requests.map(r => (r.body as { dedupe_key: string }).dedupe_key)).toEqual(['a', 'b']);
    expect(sink.deduplicated.get([])).toBe(2);

    vi.setSystemTime(Date.now() + 60_000);
    sink.offer(alert('a'));
    await sink.forceFlush();
    expect(hook.requests[2]?.body).toMatchObject({ dedupe_key: 'a', suppressed_duplicates: 2 });
  });

  it('rate-limits with a token bucket and counts what it drops as undelivered', async () => {
    vi.useFakeTimers(FAKE);
    const { sink, hook, reader } = await setup([], { maxPerMinute: 2 });
    for (const key of ['a', 'b', 'c']) sink.offer(alert(key));
    await sink.forceFlush();
    expect(hook.requests).toHaveLength(2);

    vi.setSystemTime(Date.now() + 30_000); // one token back
    sink.offer(alert('d'));
    sink.offer(alert('e'));
    await sink.forceFlush();
    expect(hook.requests).toHaveLength(3);

    const { resourceMetrics } = await reader.collect();
    const points = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === 'agent_triage.alerts.undelivered')?.dataPoints ?? [];
    expect(sumWhere(points as never, { 'agent_triage.reason': 'rate_limited' })).toBe(2);
  });

  it('retries 5xx and 429 with exponential backoff, honouring Retry-After', async () => {
    vi.useFakeTimers(FAKE);
    const { sink, hook } = await setup([{ status: 500 }, { status: 429, headers: { 'retry-after': '7' } }, { status: 503 }], {
      initialBackoffMs: 1000,
      maxRetries: 3,
    });
    sink.offer(alert('a'));
    await untilBackingOff(sink, 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(hook.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await hook.received(2);

    await untilBackingOff(sink, 2); // Retry-After: 7 s instead of the 2 s backoff
    await vi.advanceTimersByTimeAsync(6999);
    expect(hook.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await hook.received(3);

    await untilBackingOff(sink, 3); // third retry: 4 s
    await vi.advanceTimersByTimeAsync(4000);
    await sink.forceFlush();
    expect(hook.requests).toHaveLength(4);
    expect(sink.delivered.get([])).toBe(1);
    expect(sink.undelivered.get(['failed'])).toBe(0);
  });

  it('times out a hung request and retries it', async () => {
    vi.useFakeTimers(FAKE);
    const { sink, hook } = await setup(['hang'], { timeoutMs: 2000, initialBackoffMs: 500 });
    sink.offer(alert('a'));
    await hook.received(1);
    await vi.advanceTimersByTimeAsync(2000); // the attempt times out
    await untilBackingOff(sink, 1);
    await vi.advanceTimersByTimeAsync(500); // backoff
    await sink.forceFlush();
    expect(hook.requests).toHaveLength(2);
    expect(sink.delivered.get([])).toBe(1);
  });

  it.each([
    { name: 'retries exhausted', replies: [{ status: 500 }, { status: 502 }], maxRetries: 1, requests: 2 },
    { name: 'a 4xx other than 429 (not retried)', replies: [{ status: 400 }], maxRetries: 3, requests: 1 },
  ])('counts an alert as failed when $name', async ({ replies, maxRetries, requests }) => {
    const { sink, hook } = await setup(replies, { maxRetries, initialBackoffMs: 0 });
    sink.offer(alert('a'));
    await sink.forceFlush();
    expect(hook.requests).toHaveLength(requests);
    expect(sink.undelivered.get(['failed'])).toBe(1);
    expect(sink.delivered.get([])).toBe(0);
  });

  it('bounds its queue, never blocks the caller, and on shutdown gives up within one timeout', async () => {
    vi.useFakeTimers(FAKE);
    const { sink, hook } = await setup(['hang', 'hang'], { maxQueue: 1, timeoutMs: 3000 });
    sink.offer(alert('a')); // in flight
    sink.offer(alert('b')); // queued
    sink.offer(alert('c')); // queue full
    expect(sink.undelivered.get(['queue_full'])).toBe(1);
    await hook.received(1);

    const done = sink.shutdown();
    sink.offer(alert('d'));
    await vi.advanceTimersByTimeAsync(3000);
    await done;
    expect(sink.undelivered.get(['shutdown'])).toBe(3); // a aborted, b never sent, d after shutdown
    expect(sink.delivered.get([])).toBe(0);
  });

  it('rejects bad options naming the key', () => {
    expect(() => new WebhookAlertSink({ url: 'ftp://x', maxQueue: 0 }, new MeterProvider().getMeter('t'))).toThrow(ConfigError);
    expect(() => new WebhookAlertSink({ url: 'http://127.0.0.1/', bogus: 1 } as WebhookAlertOptions, new MeterProvider().getMeter('t'))).toThrow(
      /options\.alerts: bogus: unknown key/,
    );
  });
});

describe('alerts from the processor', () => {
  it('pages hard failures once per fingerprint and leaves healthy turns alone', async () => {
    const hook = await startWebhookReceiver();
    receiver = hook;
    const h = createHarness({ alerts: { url: hook.url, format: 'json' } });
    runTurn(h.tracer, { steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'get_weather' }] } }, { tool: { name: 'get_weather', id: 'c1' } }, { llm: { text: 'ok' } }] });
    runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    await h.processor.forceFlush();

    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.body).toMatchObject({
      kind: 'failure',
      fields: { signal: 'provider_error', class: 'infra', severity: 'hard', agent: 'weather-agent' },
    });
    expect(sumWhere(await h.metric('agent_triage.alerts.deduplicated'), {})).toBe(1);
    await h.processor.shutdown();
  });

  it('never holds spans back, even when the webhook hangs', async () => {
    const hook = await startWebhookReceiver(['hang']);
    receiver = hook;
    const h = createHarness({ alerts: { url: hook.url, timeoutMs: 200, maxRetries: 0 } });
    const ids = runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    expect(h.spans().map(s => s.spanContext().spanId).sort()).toEqual([ids.rootSpanId, ...ids.stepSpanIds].sort());
    await hook.received(1);
    await h.processor.shutdown();
    expect(sumWhere(await h.metric('agent_triage.alerts.undelivered'), {})).toBe(1);
  });

  it('pages only the listed signals when severities are narrowed', async () => {
    const hook = await startWebhookReceiver();
    receiver = hook;
    const h = createHarness({ alerts: { url: hook.url, severities: [], signals: ['tool_error'] } });
    runTurn(h.tracer, { steps: [{ llm: { fail: { httpStatus: 503 } } }] });
    runTurn(h.tracer, { steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'c1', fail: 'boom' } }] });
    await h.processor.shutdown();

    expect(hook.requests).toHaveLength(1);
    expect((hook.requests[0]?.body as { text: string }).text).toContain('tool_error');
  });
});
