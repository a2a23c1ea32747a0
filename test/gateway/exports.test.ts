import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.js';
import { recordSpans, toOtlpJson } from '../helpers/otlp-files.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { runTurn } from '../helpers/scripted-agent.js';
import { postTraces, startTestGateway } from '../helpers/gateway.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.shutdown();
  await receiver?.close();
  gateway = undefined;
  receiver = undefined;
});

const failingTurn = () => recordSpans(tracer => runTurn(tracer, { agent: 'billing', steps: [{ llm: { fail: { httpStatus: 500 } } }] }));

describe('gateway exports', () => {
  it('exports the failure metrics over OTLP/HTTP', async () => {
    receiver = await startOtlpReceiver();
    gateway = await startTestGateway({ forward: { endpoint: `${receiver.url}/v1/traces` }, metrics: { otlp: { endpoint: `${receiver.url}/v1/metrics` } } });
    expect((await postTraces(gateway, toOtlpJson(failingTurn()))).status).toBe(200);
    await gateway.shutdown();

    const metrics = receiver.requests.filter(r => r.path === '/v1/metrics').map(r => r.body.toString('utf8'));
    expect(metrics.length).toBeGreaterThan(0);
    const body = metrics.join('\n');
    for (const name of ['agent_triage.failures', 'agent_triage.turns', 'agent_triage.gateway.spans.received', 'agent_triage.gateway.spans.forwarded']) {
      expect(body).toContain(`"name":"${name}"`);
    }
    expect(body).toContain('"stringValue":"agent-triage-gateway"');
  });

  it('counts spans it could not forward, and still shuts down cleanly', async () => {
    // A backend that refuses everything with a non-retryable status.
    const backend = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400).end();
      });
    });
    await new Promise<void>(resolve => backend.listen(0, '127.0.0.1', resolve));
    const { port } = backend.address() as AddressInfo;
    try {
      gateway = await startTestGateway({ forward: { endpoint: `http://127.0.0.1:${port}/v1/traces` } });
      const spans = failingTurn();
      expect((await postTraces(gateway, toOtlpJson(spans))).status).toBe(200);
      await gateway.shutdown();
      expect(gateway.metrics.forwarded.get(['otlp', 'failed'])).toBe(spans.length);
      expect(gateway.metrics.forwarded.get(['otlp', 'ok'])).toBe(0);
    } finally {
      backend.closeAllConnections();
      await new Promise(resolve => backend.close(resolve));
    }
  });
});
