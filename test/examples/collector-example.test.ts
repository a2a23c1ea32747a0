import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfigFile } from '../../src/gateway/index.js';

describe('examples/collector', () => {
  it('ships a gateway config that the gateway accepts', () => {
    const config = loadGatewayConfigFile(fileURLToPath(new URL('../../examples/collector/agent-triage-gateway.yaml', import.meta.url)));
    expect(config.grpc?.listen).toBe('0.0.0.0:4317');
    expect(config.triage.decisionWaitMs).toBe(10_000);
  });
});
