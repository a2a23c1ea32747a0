import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ATTR_TRIAGE_TURN_OUTCOME } from '../../src/emit/attributes.js';
import { loadGatewayConfigFile } from '../../src/gateway/index.js';

const example = (name: string): string => fileURLToPath(new URL(`../../examples/collector/${name}`, import.meta.url));

describe('examples/collector', () => {
  it('ships a gateway config that the gateway accepts', () => {
    const config = loadGatewayConfigFile(example('agent-triage-gateway.yaml'));
    expect(config.grpc?.listen).toBe('0.0.0.0:4317');
    expect(config.triage.decisionWaitMs).toBe(10_000);
  });

  // The Collector itself runs these files in `npm run test:collector`; this checks, without Go, that they key on our names.
  it('samples on the turn-root outcome attribute the triage writes', () => {
    const policies = z
      .object({ processors: z.object({ tail_sampling: z.object({ policies: z.array(z.object({ type: z.string(), string_attribute: z.object({ key: z.string(), values: z.array(z.string()) }).optional() })) }) }) })
      .parse(parse(readFileSync(example('otel-collector-tail-sampling.yaml'), 'utf8'))).processors.tail_sampling.policies;
    expect(policies.find(p => p.type === 'string_attribute')?.string_attribute).toEqual({ key: ATTR_TRIAGE_TURN_OUTCOME, values: ['failed'] });
  });
});
