import { describe, expect, it } from 'vitest';
import { ConfigError, TAXONOMY_PRESETS, resolveTaxonomy } from '../../src/index.js';
import type { TaxonomyDefinition } from '../../src/index.js';
import { createHarness } from '../helpers/harness.js';
import { runTurn } from '../helpers/scripted-agent.js';
import type { TurnScript } from '../helpers/scripted-agent.js';
import { tempDir, writeFile } from '../helpers/otlp-files.js';

const PROVIDER_503: TurnScript = { steps: [{ llm: { fail: { httpStatus: 503 } } }] };
const PERMANENT_PROVIDER_ERROR: TurnScript = { steps: [{ llm: { fail: { errorType: 'invalid_api_key' } } }] };
const TOOL_FAILS: TurnScript = {
  steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'lookup' }] } }, { tool: { name: 'lookup', id: 'c1', fail: 'boom' } }, { llm: { text: 'sorry' } }],
};
const LOOPS: TurnScript = { steps: [{ llm: { text: 'a' } }, { llm: { text: 'b' } }, { llm: { text: 'c' } }] };
const SKIPS: TurnScript = { steps: [{ llm: { toolCalls: [{ id: 'c1', name: 'lookup' }] } }, { llm: { text: 'done' } }] };

describe('taxonomy presets', () => {
  it('ships default, incident-review (10 classes) and mast (3 categories), each with a fallback', () => {
    const classes = Object.fromEntries(TAXONOMY_PRESETS.map(name => [name, Object.keys(resolveTaxonomy(name).classes).sort()]));
    expect(classes).toEqual({
      default: ['coverage', 'data', 'infra', 'logic', 'tone', 'unclassified'],
      'incident-review': [
        'approval_boundary',
        'cost_control',
        'escalation',
        'instruction',
        'latency_timeout',
        'release_process',
        'retrieval_evidence',
        'tool_argument',
        'tool_selection',
        'unclassified',
        'workflow_routing',
      ],
      mast: ['inter_agent_misalignment', 'specification_issues', 'task_verification', 'unclassified'],
    });
  });

  const cases: { taxonomy: string; script: TurnScript; className: string; decision: string }[] = [
    { taxonomy: 'default', script: PROVIDER_503, className: 'infra', decision: 'retry' },
    { taxonomy: 'incident-review', script: PROVIDER_503, className: 'latency_timeout', decision: 'retry' },
    { taxonomy: 'incident-review', script: PERMANENT_PROVIDER_ERROR, className: 'release_process', decision: 'stop' },
    { taxonomy: 'incident-review', script: TOOL_FAILS, className: 'tool_argument', decision: 'stop' },
    { taxonomy: 'incident-review', script: LOOPS, className: 'instruction', decision: 'handoff' },
    { taxonomy: 'incident-review', script: SKIPS, className: 'workflow_routing', decision: 'stop' },
    { taxonomy: 'mast', script: LOOPS, className: 'specification_issues', decision: 'stop' },
    { taxonomy: 'mast', script: SKIPS, className: 'inter_agent_misalignment', decision: 'stop' },
    { taxonomy: 'mast', script: TOOL_FAILS, className: 'task_verification', decision: 'handoff' },
    { taxonomy: 'mast', script: PROVIDER_503, className: 'unclassified', decision: 'handoff' },
  ];
  it.each(cases)('$taxonomy, selected by name, classifies as $className ($decision)', ({ taxonomy, script, className, decision }) => {
    const h = createHarness({ taxonomy });
    runTurn(h.tracer, script);
    expect(h.findings).toHaveLength(1);
    expect(h.findings[0]).toMatchObject({ class: className, remediation: { decision } });
  });

  it('loads a taxonomy from a path, and a preset name wins only for exact preset names', () => {
    const dir = tempDir();
    const custom = structuredClone(resolveTaxonomy('mast')) as TaxonomyDefinition & { name: string };
    const path = writeFile(dir, 'mine.json', JSON.stringify({ ...custom, name: 'mine' }));
    expect(resolveTaxonomy(path).name).toBe('mine');
    expect(resolveTaxonomy('mast').name).toBe('mast');
  });
});

describe('taxonomy validation at load', () => {
  const base = (): TaxonomyDefinition => structuredClone(resolveTaxonomy('default'));

  const invalid: { desc: string; edit: (t: TaxonomyDefinition) => unknown; message: RegExp }[] = [
    {
      desc: 'a signal without a rule',
      edit: t => ({ ...t, rules: t.rules.filter(r => r.signal !== 'tool_error') }),
      message: /rules: no rule for signal "tool_error"/,
    },
    {
      desc: 'a rule naming an unknown class',
      edit: t => ({ ...t, rules: [{ signal: 'tool_error', class: 'nope' }, ...t.rules] }),
      message: /rules\.0\.class: unknown class "nope"/,
    },
    {
      desc: 'a class without a handoff target',
      edit: t => {
        const remediation: Record<string, unknown> = { ...t.classes['logic']?.remediation };
        delete remediation['handoffTarget'];
        return { ...t, classes: { ...t.classes, logic: { description: 'x', remediation } } };
      },
      message: /classes\.logic\.remediation\.handoffTarget/,
    },
    {
      desc: 'a retry class without a bound',
      edit: t => {
        const infra = t.classes['infra'];
        if (!infra) throw new Error('no infra');
        const remediation: Record<string, unknown> = { ...infra.remediation };
        delete remediation['retry'];
        return { ...t, classes: { ...t.classes, infra: { ...infra, remediation } } };
      },
      message: /classes\.infra\.remediation\.retry: retry: \{ maxAttempts \} is required/,
    },
    {
      desc: 'a retry bound on a class that stops',
      edit: t => {
        const logic = t.classes['logic'];
        if (!logic) throw new Error('no logic');
        return { ...t, classes: { ...t.classes, logic: { ...logic, remediation: { ...logic.remediation, retry: { maxAttempts: 2 } } } } };
      },
      message: /classes\.logic\.remediation\.retry/,
    },
  ];
  it.each(invalid)('rejects $desc at construction, naming the key', ({ edit, message }) => {
    const taxonomy = edit(base()) as TaxonomyDefinition;
    expect(() => createHarness({ taxonomy })).toThrow(ConfigError);
    expect(() => createHarness({ taxonomy })).toThrow(message);
  });
});
