import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { resolveGatewayConfig } from '../../src/gateway/index.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { HEALTHY_TURN, runTurn } from '../helpers/scripted-agent.js';
import { postTraces, startTestGateway } from '../helpers/gateway.js';

describe('gateway config', () => {
  it('has defaults that run with nothing configured', () => {
    const config = resolveGatewayConfig(undefined);
    expect(config).toMatchObject({ listen: '127.0.0.1:4318', limits: { maxRequestBytes: 4 * 1024 * 1024 }, triage: { decisionWaitMs: 5000 }, metrics: { prometheus: true } });
    expect(config.out).toBeUndefined();
    expect(config.triage.statePath).toBeUndefined();
  });

  it.each([
    [{ listn: '127.0.0.1:1' }, 'config: listn: unknown key'],
    [{ listen: 'localhost' }, 'config: listen: expected host:port'],
    [{ listen: '127.0.0.1:70000' }, 'config: listen: port must be at most 65535'],
    [{ limits: { maxQueueSpans: 0 } }, 'config: limits.maxQueueSpans: '],
    [{ forward: { endpoint: 'not a url' } }, 'config: forward.endpoint: '],
    [{ triage: { signals: { tool_error: { severity: 'fatal' } } } }, 'config: triage.signals.tool_error.severity: '],
    [{ auth: { bearerToken: 'a', bearerTokenEnv: 'B' } }, 'config: auth: set exactly one of bearerToken and bearerTokenEnv'],
  ])('refuses %j, naming the key', (input, message) => {
    expect(() => resolveGatewayConfig(input)).toThrow(ConfigError);
    expect(() => resolveGatewayConfig(input)).toThrow(message);
  });

  it('reads the bearer token from the variable auth.bearerTokenEnv names', async () => {
    const gateway = await startTestGateway({ auth: { bearerTokenEnv: 'TRIAGE_TOKEN' } }, { TRIAGE_TOKEN: 'from-env' });
    try {
      const body = toOtlpJson(recordSpans(tracer => runTurn(tracer, HEALTHY_TURN)));
      expect((await postTraces(gateway, body, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await postTraces(gateway, body, { authorization: 'Bearer from-env' })).status).toBe(200);
    } finally {
      await gateway.shutdown();
    }
  });

  it('refuses to start when that variable is unset', async () => {
    await expect(startTestGateway({ auth: { bearerTokenEnv: 'TRIAGE_TOKEN' } }, {})).rejects.toThrow('auth.bearerTokenEnv: environment variable TRIAGE_TOKEN is not set');
  });
});
