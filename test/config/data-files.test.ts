import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadTaxonomyFile } from '../../src/index.js';
import { PACKAGE_SIGNALS_DIR } from '../../src/config/data-files.js';
import { buildSignals } from '../../src/signals/registry.js';
import { memorySignalDeps } from '../../src/state/memory-signal-deps.js';
import { tempDir } from '../helpers/otlp-files.js';

/** A copy of the shipped signals/ folder with one file replaced. */
function signalsDirWith(file: string, content: string): string {
  const dir = tempDir('signals-');
  cpSync(PACKAGE_SIGNALS_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
}

describe('signal files under signals/', () => {
  it('load as shipped', () => {
    expect(buildSignals({}, memorySignalDeps()).map(s => `${s.signal.id}:${s.severity}`)).toEqual([
      'provider_error:hard',
      'tool_error:hard',
      'zero_tool_calls:hard',
      'skipped_planned_call:hard',
      'tool_latency_spike:soft',
      'output_token_drop:soft',
      'tool_result_mismatch:soft',
      'satisfaction_drop:soft',
    ]);
  });

  it.each([
    { desc: 'an unknown top-level key', file: 'tool_error.yaml', content: 'enabled: true\nseverity: hard\naction: x\noptions: {}\npage: true\n', message: 'tool_error.yaml: page: unknown key' },
    { desc: 'a bad severity', file: 'tool_error.yaml', content: 'enabled: true\nseverity: urgent\naction: x\noptions: {}\n', message: 'tool_error.yaml: severity:' },
    { desc: 'an unknown option', file: 'zero_tool_calls.yaml', content: 'enabled: true\nseverity: hard\naction: x\noptions:\n  maxSteps: 2\n', message: 'zero_tool_calls.yaml (or options.signals.zero_tool_calls): options.maxSteps: unknown key' },
    { desc: 'a bad option value', file: 'zero_tool_calls.yaml', content: 'enabled: true\nseverity: hard\naction: x\noptions:\n  maxConsecutiveStepsWithoutTools: 0\n', message: 'options.maxConsecutiveStepsWithoutTools: Too small' },
    { desc: 'invalid YAML', file: 'provider_error.yaml', content: 'enabled: [true\n', message: 'provider_error.yaml: invalid YAML' },
  ])('reject $desc, naming the file and the key', ({ file, content, message }) => {
    const dir = signalsDirWith(file, content);
    expect(() => buildSignals({}, memorySignalDeps(), dir)).toThrow(ConfigError);
    expect(() => buildSignals({}, memorySignalDeps(), dir)).toThrow(message);
  });

  it('skip a disabled signal', () => {
    const dir = signalsDirWith('tool_error.yaml', 'enabled: false\nseverity: hard\naction: x\noptions: {}\n');
    expect(buildSignals({}, memorySignalDeps(), dir).map(s => s.signal.id)).not.toContain('tool_error');
  });
});

describe('taxonomy files', () => {
  const shipped = readFileSync(join(PACKAGE_SIGNALS_DIR, 'taxonomies', 'default.yaml'), 'utf8');

  it('load the default: six classes, each bound to a remediation path', () => {
    const taxonomy = loadTaxonomyFile(join(PACKAGE_SIGNALS_DIR, 'taxonomies', 'default.yaml'));
    expect(Object.keys(taxonomy.classes)).toEqual(['tone', 'logic', 'data', 'coverage', 'infra', 'unclassified']);
    expect(Object.values(taxonomy.classes).map(c => c.remediation.surface)).toEqual(['prompt', 'tool_config', 'data_owner', 'scope', 'retry', 'human_triage']);
  });

  it.each([
    { desc: 'an unknown fallback class', edit: (t: string) => t.replace('fallback: unclassified', 'fallback: nobody'), message: 'fallback: unknown class "nobody"' },
    { desc: 'a rule for an unknown signal', edit: (t: string) => t.replace('signal: tool_error,', 'signal: tool_crash,'), message: 'rules.2.signal' },
    { desc: 'an unknown remediation surface', edit: (t: string) => t.replace('surface: prompt\n', 'surface: slack\n'), message: 'classes.tone.remediation.surface' },
  ])('reject $desc, naming the key', ({ edit, message }) => {
    const path = join(tempDir('taxonomy-'), 'taxonomy.yaml');
    writeFileSync(path, edit(shipped));
    expect(() => loadTaxonomyFile(path)).toThrow(message);
  });
});
