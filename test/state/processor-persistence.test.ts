import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runScan } from '../../src/cli/scan-command.js';
import { createHarness, sumWhere } from '../helpers/harness.js';
import { recordSpans, tempDir, toOtlpJson, writeFile } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';

afterEach(() => {
  vi.useRealTimers();
  diag.disable();
});

describe('processor state persistence', () => {
  it('saves changed state every flushIntervalMs, off the span path', async () => {
    vi.useFakeTimers({ now: Date.UTC(2027, 0, 4) });
    const path = join(tempDir(), 'state.json');
    const h = createHarness({ state: { path, flushIntervalMs: 5000 } });
    runTurn(h.tracer, HEALTHY_TURN);
    expect(existsSync(path)).toBe(false); // nothing written on the span path
    await vi.advanceTimersByTimeAsync(5000);
    await vi.waitFor(() => {
      expect(existsSync(path)).toBe(true);
    });
    expect(await h.metric('agent_triage.state.keys')).toMatchObject([{ value: expect.any(Number) as number }]);
    await h.processor.shutdown();
  });

  it('warns through diag about a corrupt state file, moves it aside and runs on fresh state', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, 'garbage');
    const warnings: string[] = [];
    diag.setLogger(
      { error: () => undefined, warn: (m: string) => warnings.push(m), info: () => undefined, debug: () => undefined, verbose: () => undefined },
      DiagLogLevel.WARN,
    );
    const h = createHarness({ state: { path } });
    expect(warnings.some(w => w.includes('state.json') && w.includes('moved to'))).toBe(true);
    expect(readdirSync(dir).some(name => name.startsWith('state.json.corrupt-'))).toBe(true);
    runTurn(h.tracer, HEALTHY_TURN);
    await h.processor.forceFlush();
    expect(existsSync(path)).toBe(true);
  });

  it('counts a state file it cannot save', async () => {
    const blocker = join(tempDir(), 'file');
    writeFileSync(blocker, '');
    const h = createHarness({ state: { path: join(blocker, 'state.json') } }); // a file where a folder should be
    runTurn(h.tracer, HEALTHY_TURN);
    await h.processor.forceFlush();
    expect(sumWhere(await h.metric('agent_triage.state.errors'), { 'agent_triage.reason': 'save' })).toBe(1);
  });
});

describe('scan CLI and population findings', () => {
  it('prints satisfaction_drop as a JSON line with scope "population" on the root whose score revealed it', async () => {
    const DAY = 86_400_000;
    const base = Date.UTC(2027, 0, 4);
    const spans = recordSpans(tracer => {
      // A first score on day 0, the previous week's on day 3, this week's on day 14.
      for (const [day, count] of [[0, 1], [3, 30], [14, 30]] as const) {
        for (let i = 0; i < count; i++) {
          vi.useFakeTimers({ now: base + day * DAY + i * 60_000, toFake: ['Date', 'performance'] });
          runTurn(tracer, { agent: 'support-agent', steps: [{ llm: { text: 'hi' } }], rootAttributes: { 'gen_ai.evaluation.score.value': day === 14 ? 0.4 : 0.9 } });
          vi.useRealTimers();
        }
      }
    });
    const file = writeFile(tempDir(), 'turns.json', toOtlpJson(spans));
    const out: string[] = [];
    const code = await runScan([file], {}, { write: t => out.push(t) }, { write: () => undefined });
    expect(code).toBe(0);
    const lines = out.join('').trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ signal: 'satisfaction_drop', scope: 'population', class: 'unclassified', severity: 'soft', agentName: 'support-agent' }),
    ]);
    const last = spans.filter(s => s.parentSpanContext === undefined).at(-1);
    expect(lines[0]).toMatchObject({ spanId: last?.spanContext().spanId, traceId: last?.spanContext().traceId });
  });
});

describe('scan CLI --state', () => {
  it('keeps baselines between scans in the given file', async () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const callSearch = (durationMs: number) =>
      recordSpans(tracer => {
        runTurn(tracer, { steps: [{ llm: { toolCalls: [{ id: 'c', name: 'search' }] } }, { tool: { name: 'search', id: 'c', durationMs } }, { llm: { text: 'ok' } }] });
      });
    const healthy = Array.from({ length: 30 }, (_, i) => callSearch(200 + (i % 5) * 10)).flat();
    const slow = callSearch(2000);
    const scan = async (file: string, options: Record<string, unknown>) => {
      const out: string[] = [];
      await runScan([file], options, { write: t => out.push(t) }, { write: () => undefined });
      return out.join('');
    };
    expect(await scan(writeFile(dir, 'healthy.json', toOtlpJson(healthy)), { state })).toBe('');
    const slowFile = writeFile(dir, 'slow.json', toOtlpJson(slow));
    expect(await scan(slowFile, {})).toBe(''); // in memory: cold start
    expect(await scan(slowFile, { state })).toContain('"signal":"tool_latency_spike"');
  });
});
