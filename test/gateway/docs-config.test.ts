import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, resolveGatewayConfig } from '../../src/gateway/index.js';
import { readDoc, tableUnder } from '../docs/markdown.js';
import { leafKeys, valueAt } from '../docs/zod-keys.js';

const CONFIGURATION = readDoc('docs/configuration.md');

describe('docs gateway config table', () => {
  const rows = tableUnder(CONFIGURATION, '### Gateway config keys');
  const documented = new Map(rows.flatMap(row => [...(row[0] ?? '').matchAll(/`([^`]+)`/g)].map(m => [m[1] ?? '', row[1] ?? ''] as const)));

  it('lists every key of the schema, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(leafKeys(gatewayConfigSchema).sort());
  });

  it('gives the schema default of each numeric key', () => {
    const defaults = resolveGatewayConfig({}) as unknown as Record<string, unknown>;
    for (const key of documented.keys()) {
      const value = valueAt(defaults, key);
      if (typeof value === 'number') expect(documented.get(key), key).toBe(String(value));
    }
  });
});
