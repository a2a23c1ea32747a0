import { describe, expect, it } from 'vitest';
import { SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { AgentTriageSpanProcessor, ConfigError } from '../../src/index.js';
import { createHarness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';

describe('provider_error: transient or permanent', () => {
  it.each([
    { desc: '529 overloaded', fail: { httpStatus: 529 }, transient: true },
    { desc: 'a socket hang up without status code', fail: { message: 'socket hang up' }, transient: true },
    { desc: 'a 500', fail: { httpStatus: 500 }, transient: true },
    { desc: 'a 400 with status ERROR', fail: { httpStatus: 400, message: 'bad request' }, transient: false },
    { desc: 'an invalid key', fail: { errorType: 'invalid_api_key' }, transient: false },
  ])('$desc → transient=$transient', ({ fail, transient }) => {
    const h = createHarness();
    runTurn(h.tracer, { steps: [{ llm: { fail } }] });
    expect(h.findings).toMatchObject([{ signal: 'provider_error', severity: 'hard', details: { transient }, class: transient ? 'infra' : 'logic' }]);
  });
});

describe('configuration of the stateful signals', () => {
  const next = () => new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() });
  it.each([
    { options: { signals: { satisfaction_drop: { options: { scoreMin: 1, scoreMax: 1 } } } }, message: /satisfaction_drop.*scoreMax/ },
    { options: { signals: { tool_latency_spike: { options: { scale: 'cubic' } } } }, message: /tool_latency_spike.*options\.scale/ },
    { options: { signals: { tool_result_mismatch: { options: { tools: { shell: 'sometimes' } } } } }, message: /options\.tools\.shell/ },
    { options: { state: { maxKeys: 0 } }, message: /state\.maxKeys/ },
    { options: { state: { persistence: {} } }, message: /state\.persistence/ },
  ])('rejects $message', ({ options, message }) => {
    const create = () => new AgentTriageSpanProcessor({ next: next(), ...(options as object) });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(message);
  });
});
