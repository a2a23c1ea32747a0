/**
 * The reference tables in docs/ (and the README's signal table) list what the
 * code defines: processor options, signal options, metrics, the attributes and
 * events written on spans, and CLI flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Meter, MeterOptions, MeterProvider } from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import * as attributes from '../../src/emit/attributes.js';
import { fixtureOptionsSchema } from '../../src/fixtures/fixture-options.js';
import { GatewayMetrics } from '../../src/gateway/gateway-metrics.js';
import { AgentTriageSpanProcessor, SIGNAL_IDS } from '../../src/index.js';
import type { SignalId } from '../../src/index.js';
import { loopOptionsSchema } from '../../src/loop/loop-options.js';
import { webhookOptionsSchema } from '../../src/alerts/webhook-options.js';
import { optionsSchema } from '../../src/processor/options.js';
import { outputTokenDropOptions } from '../../src/signals/output-token-drop.js';
import { providerErrorOptions } from '../../src/signals/provider-error.js';
import { satisfactionDropOptions } from '../../src/signals/satisfaction-drop.js';
import { skippedPlannedCallOptions } from '../../src/signals/skipped-planned-call.js';
import { toolErrorOptions } from '../../src/signals/tool-error.js';
import { toolLatencySpikeOptions } from '../../src/signals/tool-latency-spike.js';
import { toolResultMismatchOptions } from '../../src/signals/tool-result-mismatch.js';
import { zeroToolCallsOptions } from '../../src/signals/zero-tool-calls.js';
import { codeNames, markdownFiles, readDoc, ROOT, tables } from './markdown.js';
import { leafKeys, topKeys, valueAt } from './zod-keys.js';

const docs = markdownFiles().filter(file => file.startsWith('docs/'));
const allTables = docs.flatMap(file => tables(readDoc(file)).map(table => ({ file, ...table })));

/** The table of `file` whose first header cell is `header` (the n-th such table). */
function table(file: string, header: string, nth = 0): string[][] {
  const found = tables(readDoc(file)).filter(t => t.header[0] === header)[nth];
  if (!found) throw new Error(`no table headed ${header} in ${file}`);
  return found.rows;
}

/** First-column names of a table with the second column (the default), `name` → `default`. */
function documented(rows: string[][]): Map<string, string> {
  return new Map(rows.flatMap(row => codeNames(row[0] ?? '').map(name => [name, row[1] ?? ''] as const)));
}

/** A documented default that is a plain number (`5000`, `` `5000` ``) equals the schema's. */
function expectNumericDefaults(names: Map<string, string>, defaults: unknown, where: string): void {
  for (const [name, cell] of names) {
    const value = valueAt(defaults, name);
    const written = cell.replaceAll('`', '').trim();
    if (typeof value === 'number' && /^\d+(\.\d+)?$/.test(written)) expect(Number(written), `${where}: ${name}`).toBe(value);
  }
}

const noopNext = new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() });

describe('processor options (docs/configuration.md and their sub-tables)', () => {
  const options = documented(table('docs/configuration.md', 'Option'));

  it('lists every option of the schema, state.* by key, and no other', () => {
    const expected = topKeys(optionsSchema).flatMap(key => (key === 'state' ? leafKeys(optionsSchema.shape.state, 'state') : [key]));
    expect([...options.keys()].sort()).toEqual(expected.sort());
  });

  it('gives the schema default of each numeric option', () => {
    expectNumericDefaults(options, optionsSchema.parse({ next: noopNext, state: { persistence: false } }), 'Configuration');
  });

  it('lists every fixtures.*, loop.* and alerts.* option with its default', () => {
    const cases: [string, z.ZodType, string[], unknown][] = [
      ['`fixtures.*` option', fixtureOptionsSchema, topKeys(fixtureOptionsSchema), fixtureOptionsSchema.parse({ dir: 'x' })],
      ['`loop.*` option', loopOptionsSchema, leafKeys(loopOptionsSchema), loopOptionsSchema.parse({})],
      ['`alerts.*` option', webhookOptionsSchema, topKeys(webhookOptionsSchema), webhookOptionsSchema.parse({ url: 'http://127.0.0.1:9/hook' })],
    ];
    for (const [header, , keys, defaults] of cases) {
      const rows = documented(table('docs/triage-loop.md', header));
      expect([...rows.keys()].sort(), header).toEqual([...keys].sort());
      expectNumericDefaults(rows, defaults, header);
    }
  });

  it('names only real options in the other "Processor option" tables', () => {
    const known = new Set([...options.keys()]);
    const elsewhere = allTables.filter(t => t.header[0] === 'Processor option').flatMap(t => t.rows.flatMap(row => codeNames(row[0] ?? '')));
    expect(elsewhere.length).toBeGreaterThan(3);
    for (const name of elsewhere) expect(known, name).toContain(name);
  });
});

const SIGNAL_SCHEMAS: Readonly<Record<SignalId, z.ZodType>> = {
  provider_error: providerErrorOptions,
  tool_error: toolErrorOptions,
  zero_tool_calls: zeroToolCallsOptions,
  skipped_planned_call: skippedPlannedCallOptions,
  tool_latency_spike: toolLatencySpikeOptions,
  output_token_drop: outputTokenDropOptions,
  tool_result_mismatch: toolResultMismatchOptions,
  satisfaction_drop: satisfactionDropOptions,
};

/**
 * The options named in a signal table cell: backticked names outside
 * parentheses (inside them are defaults and values), and `group.{a (1), b}`
 * as `group.a`, `group.b`; with each plain-number default.
 */
function signalOptionsOf(cell: string): Map<string, string> {
  const found = new Map<string, string>();
  let depth = 0;
  for (let i = 0; i < cell.length; i++) {
    const char = cell[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '`' && depth === 0) {
      const end = cell.indexOf('`', i + 1);
      const name = cell.slice(i + 1, end);
      const after = /^\s*\(([^()]*)\)/.exec(cell.slice(end + 1));
      const group = /^(\w+)\.\{(.*)\}$/.exec(name);
      if (group) {
        for (const part of (group[2] ?? '').split(/,\s*(?![^()]*\))/)) {
          const inner = /^(\w+)\s*(?:\(([^)]*)\))?$/.exec(part.trim());
          if (inner) found.set(`${group[1] ?? ''}.${inner[1] ?? ''}`, inner[2] ?? '');
        }
      } else found.set(name, after?.[1] ?? '');
      i = end;
    }
  }
  return found;
}

describe('signals (docs/signals.md and the README)', () => {
  const rows = table('docs/signals.md', 'Signal');
  const byId = new Map(rows.map(row => [codeNames(row[0] ?? '')[0] ?? '', row] as const));

  it('has one row per built-in signal', () => {
    expect([...byId.keys()].sort()).toEqual([...SIGNAL_IDS].sort());
  });

  it.each([...SIGNAL_IDS])("%s: the options column lists every option of the signal's schema, with numeric defaults", id => {
    const schema = SIGNAL_SCHEMAS[id];
    const options = signalOptionsOf(byId.get(id)?.at(-1) ?? '');
    expect([...options.keys()].sort()).toEqual(leafKeys(schema).sort());
    expectNumericDefaults(options, schema.parse({}), id);
  });

  it('gives the severity of each signal file, in docs/signals.md and the README', () => {
    const readme = table('README.md', 'Signal');
    expect(readme.map(row => codeNames(row[0] ?? '')[0]).sort()).toEqual([...SIGNAL_IDS].sort());
    for (const id of SIGNAL_IDS) {
      const file = parseYaml(readFileSync(join(ROOT, 'signals', `${id}.yaml`), 'utf8')) as { severity: string };
      expect(byId.get(id)?.[3], id).toMatch(new RegExp(`^${file.severity}\\b`));
      expect(readme.find(row => row[0] === `\`${id}\``)?.[2], id).toMatch(new RegExp(`^${file.severity}\\b`));
    }
  });

  it("gives in the README the classes the default taxonomy's rules give each signal", () => {
    const taxonomy = parseYaml(readFileSync(join(ROOT, 'signals/taxonomies/default.yaml'), 'utf8')) as { rules: { signal: string; class: string; secondary?: string[] }[] };
    for (const row of table('README.md', 'Signal')) {
      const id = codeNames(row[0] ?? '')[0] ?? '';
      const ruled = taxonomy.rules.filter(rule => rule.signal === id).flatMap(rule => [rule.class, ...(rule.secondary ?? [])]);
      const written = codeNames(row[3] ?? '');
      expect(written.length, id).toBeGreaterThan(0);
      expect([...new Set(ruled)].sort(), id).toEqual([...new Set(written)].sort());
    }
  });
});

/** A meter provider that remembers the name and unit of every instrument the code creates on it. */
function recordingMeterProvider(): { provider: MeterProvider; instruments: Map<string, string | undefined>; shutdown: () => Promise<void> } {
  const sdk = new SdkMeterProvider();
  const instruments = new Map<string, string | undefined>();
  const provider: MeterProvider = {
    getMeter(name: string, version?: string, options?: MeterOptions): Meter {
      const meter = sdk.getMeter(name, version, options);
      return new Proxy(meter, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (typeof property !== 'string' || !property.startsWith('create') || typeof value !== 'function') return value;
          return (instrument: string, options?: { unit?: string }) => {
            instruments.set(instrument, options?.unit);
            return (value as (n: string, o?: object) => unknown).call(target, instrument, options);
          };
        },
      });
    },
  };
  return { provider, instruments, shutdown: () => sdk.shutdown() };
}

describe('metrics (every "Metric" table of docs/)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-triage-docs-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every documented metric with its unit, from every table whose first column is `Metric`. */
  const documentedMetrics = new Map<string, string>();
  for (const t of allTables.filter(t => t.header[0] === 'Metric')) {
    const unitColumn = t.header.indexOf('Unit');
    for (const row of t.rows) {
      for (const name of codeNames(row[0] ?? '')) {
        if (name.startsWith('agent_triage.')) documentedMetrics.set(name, codeNames(row[unitColumn] ?? '')[0] ?? documentedMetrics.get(name) ?? '');
      }
    }
  }

  it('documents every instrument the processor (with fixtures, loop and webhook alerts) and the gateway create, with its unit, and no other', async () => {
    const { provider, instruments, shutdown } = recordingMeterProvider();
    const processor = new AgentTriageSpanProcessor({
      next: noopNext,
      meterProvider: provider,
      state: { persistence: false },
      fixtures: { dir },
      alerts: { url: 'http://127.0.0.1:9/hook' },
    });
    new GatewayMetrics(provider, () => 0);
    await processor.shutdown();
    await shutdown();
    expect(instruments.size).toBeGreaterThan(25);
    expect([...documentedMetrics.keys()].sort()).toEqual([...instruments.keys()].sort());
    for (const [name, unit] of instruments) expect(documentedMetrics.get(name), name).toBe(unit);
  });
});

describe('attributes and events written on spans', () => {
  const constants: [string, string][] = Object.entries(attributes as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  const inTables = new Set(allTables.flatMap(t => t.rows.flatMap(row => row.flatMap(cell => codeNames(cell)))));

  it('documents every name of src/emit/attributes.ts in a table of docs/', () => {
    expect(constants.length).toBeGreaterThan(30);
    for (const [constant, name] of constants) {
      const asWritten = name.endsWith('.') ? `${name}*` : name;
      expect(inTables.has(asWritten), `${constant} (${asWritten})`).toBe(true);
    }
  });

  it('lists in the span tables only names the code writes', () => {
    const written = new Set(constants.map(([, name]) => name));
    const spanTables = allTables.filter(t => ['Event attribute', 'Root attribute', 'attribute', 'Span event'].includes(t.header[0] ?? ''));
    const names = spanTables.flatMap(t => t.rows.flatMap(row => codeNames(row[0] ?? ''))).filter(name => !name.startsWith(attributes.ATTR_TRIAGE_DETAIL_PREFIX));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(written, name).toContain(name);
  });
});

describe('CLI flags', () => {
  const help = (command: string): string[] => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), command, '--help'], { encoding: 'utf8' });
    return [...out.matchAll(/^\s+(--[a-z-]+)/gm)].map(m => m[1] ?? '').filter(flag => flag !== '--help');
  };
  const cells = allTables.flatMap(t => t.rows.map(row => row[0] ?? ''));

  it.each(['scan', 'replay', 'gateway', 'report', 'fixed'])('agent-triage %s: every flag is in a flag table of docs/', command => {
    const flags = help(command);
    expect(flags.length).toBeGreaterThan(1);
    for (const flag of flags) {
      const named = cells.some(cell => codeNames(cell).some(name => new RegExp(`(^|\\s)${flag}\\b`).test(name)));
      expect(named, `${command} ${flag}`).toBe(true);
    }
  });

  it('lists in the gateway, report and fixed tables only flags the commands have', () => {
    const cases: [string, string, string][] = [
      ['gateway', 'docs/gateway.md', 'Flag'],
      ['report', 'docs/triage-loop.md', '`report` flag'],
      ['fixed', 'docs/triage-loop.md', '`fixed` flag'],
    ];
    for (const [command, file, header] of cases) {
      const flags = new Set(help(command));
      const listed = table(file, header).flatMap(row => codeNames(row[0] ?? '').map(name => name.split(' ')[0] ?? ''));
      expect(listed.length, command).toBeGreaterThan(1);
      for (const flag of listed) expect(flags, `${command} ${flag}`).toContain(flag);
    }
  });
});
