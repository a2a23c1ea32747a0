import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopMeter } from '@opentelemetry/api';
import { z } from 'zod';
import type { Finding } from '../../src/index.js';
import { storeLoopStatePort } from '../../src/loop/create-loop.js';
import { TriageLoop } from '../../src/loop/triage-loop.js';
import { FileStatePersistence } from '../../src/state/file-persistence.js';
import { StateStore } from '../../src/state/state-store.js';
import { createHarness } from './harness.js';
import { runTurn } from './scripted-agent.js';
import type { TurnScript } from './scripted-agent.js';

export interface FixtureSpec {
  readonly recordedAt: string;
  readonly signal: string;
  readonly class: string;
  readonly agent?: string;
}

/** Writes replay fixtures with the forensics checklist's fields plus class, as the fixture writer does. */
export function writeFixtures(specs: readonly FixtureSpec[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
  specs.forEach((spec, i) => {
    const stamp = spec.recordedAt.replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
    const id = `agent_fail_${stamp}_${String(i).padStart(3, '0')}`;
    const fixture = {
      fixture_id: id,
      agent_version: 'v1.4.2',
      recorded_at: spec.recordedAt,
      session_id: `sess_${i}`,
      messages: [],
      tool_history: [{ tool: 'search_db', args_hash: null, result_hash: null, latency_ms: 2840, status: 'hard_fail' }],
      context_env: { model: 'gpt-4o', temperature: 0.7, max_tokens: 2048, region: 'us-east-1' },
      failure_type: spec.class,
      failure_signal: spec.signal,
      customer_visible: false,
      class: spec.class,
      agent_name: spec.agent ?? 'support-agent',
      details: spec.signal === 'tool_error' ? { 'gen_ai.tool.name': 'search_db' } : {},
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    };
    writeFileSync(join(dir, `${id}.json`), JSON.stringify(fixture, null, 2));
  });
  return dir;
}

/** Real findings of one scripted turn. */
export function findingsOf(script: TurnScript): Finding[] {
  const h = createHarness();
  runTurn(h.tracer, script);
  return h.findings;
}

const HOUR = 3_600_000;

/**
 * A state file written by the real store and loop: a provider error fixed
 * after 6 h, a tool error fixed after 3 days, and a tool error still open.
 */
export async function writeLoopState(startMs: number): Promise<{ path: string; openFingerprint: string; fixedFingerprint: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'state-')), 'state.json');
  const store = new StateStore({
    maxKeys: 1000,
    persistence: new FileStatePersistence(path),
    now: () => startMs,
    hooks: { onEvicted: () => undefined, onInvalidValue: () => undefined, onPersistError: () => undefined },
  });
  store.namespace('tool_latency_spike.baseline', z.strictObject({ mean: z.number() })).set('k', { mean: 1 }); // a baseline to keep
  const loop = new TriageLoop({ fixAfterTurns: 1, state: storeLoopStatePort(store) }, createNoopMeter(), undefined, () => undefined);
  const provider = findingsOf({ agent: 'support-agent', steps: [{ llm: { fail: { httpStatus: 503 } } }] });
  const tool = (name: string) =>
    findingsOf({ agent: 'support-agent', steps: [{ llm: { toolCalls: [{ id: 'c', name }] } }, { tool: { name, id: 'c', fail: 'boom' } }] });
  const lookup = tool('lookup');
  const refund = tool('refund');
  const turn = (version: string, atMs: number, findings: Finding[] = []): void => {
    loop.turnDecided({ agentName: 'support-agent', agentVersion: version, timeMs: atMs, findings });
  };
  turn('1', startMs, [...provider, ...lookup]);
  turn('2', startMs + 6 * HOUR, lookup); // provider_error fixed after 6 h; lookup seen again in 2
  turn('3', startMs + 72 * HOUR); // lookup fixed after 3 days
  turn('3', startMs + 73 * HOUR, refund); // refund: open
  loop.saveState();
  await store.flush();
  return { path, openFingerprint: refund[0]?.fingerprint ?? '', fixedFingerprint: provider[0]?.fingerprint ?? '' };
}
