import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, resolveGatewayConfig } from '../../src/gateway/index.js';

const README = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** The rows of the markdown table under `heading`, as cells. */
function tableUnder(heading: string): string[][] {
  const start = README.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of README.slice(start + heading.length + 2).split('\n')) {
    if (line.startsWith('|')) rows.push(line.split('|').slice(1, -1).map(cell => cell.trim()));
    else if (rows.length > 0) break;
  }
  return rows.slice(2);
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every leaf key of the config schema, dotted (`forward.retry.maxElapsedMs`); records are leaves. */
function leafKeys(schema: z.ZodType, prefix = ''): string[] {
  let def = defOf(schema);
  while (def.innerType && ['optional', 'default', 'prefault', 'nullable'].includes(def.type)) def = defOf(def.innerType);
  if (def.type !== 'object' || !def.shape) return [prefix];
  return Object.entries(def.shape).flatMap(([key, child]) => leafKeys(child, prefix === '' ? key : `${prefix}.${key}`));
}

describe('docs gateway config table', () => {
  const rows = tableUnder('### Gateway config keys');
  const documented = new Map(rows.flatMap(row => [...(row[0] ?? '').matchAll(/`([^`]+)`/g)].map(m => [m[1] ?? '', row[1] ?? ''] as const)));

  it('lists every key of the schema, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(leafKeys(gatewayConfigSchema).sort());
  });

  it('gives the schema default of each numeric key', () => {
    const defaults = resolveGatewayConfig({}) as unknown as Record<string, unknown>;
    for (const key of documented.keys()) {
      const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], defaults);
      if (typeof value === 'number') expect(documented.get(key), key).toBe(String(value));
    }
  });
});
