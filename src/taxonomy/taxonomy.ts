import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, parseOrThrow } from '../config/config-error.js';
import { PACKAGE_SIGNALS_DIR, readYamlFile } from '../config/data-files.js';
import { CUSTOM_SIGNAL_PATTERN, SIGNAL_IDS } from '../signals/signal.js';

/** The remediation surfaces a class can be bound to. */
export const REMEDIATION_SURFACES = ['prompt', 'tool_config', 'data_owner', 'scope', 'retry', 'human_triage'] as const;
export type RemediationSurface = (typeof REMEDIATION_SURFACES)[number];

/** What happens to the run: stop it, retry it (transient, idempotent steps only), or hand it off. */
export const REMEDIATION_DECISIONS = ['stop', 'retry', 'handoff'] as const;
export type RemediationDecision = (typeof REMEDIATION_DECISIONS)[number];

/** What a class's route preserves for the people it hands off to. */
export const EVIDENCE_KINDS = ['trace', 'replay_fixture', 'tool_history', 'messages', 'context_env', 'handoff_packet'] as const;
/** What a class preserves for whoever takes the failure over, one of {@link EVIDENCE_KINDS}. */
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/**
 * A class's route, decided in advance: stop, retry (bounded) or hand off; who
 * gets the handoff; what evidence is kept; which metric triggers a rollback.
 */
const remediationSchema = z
  .strictObject({
    surface: z.enum(REMEDIATION_SURFACES),
    owner: z.string().min(1),
    decision: z.enum(REMEDIATION_DECISIONS),
    path: z.string().min(1),
    /** Where the failure goes: a queue, channel or team. */
    handoffTarget: z.string().min(1),
    /** Required with `decision: retry`, forbidden otherwise: retries are bounded. */
    retry: z.strictObject({ maxAttempts: z.number().int().min(1).max(10) }).optional(),
    evidence: z.array(z.enum(EVIDENCE_KINDS)).min(1),
    /** The metric or condition that makes this class a rollback (or narrower-scope) case. */
    rollbackTrigger: z.string().min(1),
  })
  .refine(r => (r.decision === 'retry') === (r.retry !== undefined), {
    message: 'retry: { maxAttempts } is required with decision retry and only allowed with it',
    path: ['retry'],
  });
/** A class's route, decided in advance: surface, owner, decision, path, handoff target, evidence, rollback trigger. */
export type Remediation = z.output<typeof remediationSchema>;

const classIdSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, 'class ids are lower_snake_case');

export const taxonomySchema = z.strictObject({
  name: z.string().min(1),
  fallback: classIdSchema,
  classes: z.record(classIdSchema, z.strictObject({ description: z.string().min(1), remediation: remediationSchema })),
  rules: z.array(
    z.strictObject({
      signal: z.union([z.enum(SIGNAL_IDS), z.string().regex(CUSTOM_SIGNAL_PATTERN, 'custom signals are named custom.<name>')]),
      /** Matches when every listed finding detail has exactly this value. */
      when: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      class: classIdSchema,
      secondary: z.array(classIdSchema).optional(),
    }),
  ),
});
/** A taxonomy: its classes, each bound to a remediation route, the rules that map findings to classes, and the fallback class. */
export type TaxonomyDefinition = z.output<typeof taxonomySchema>;

/**
 * Validates what the schema alone cannot: rules and the fallback name known
 * classes (so every class a finding can get has a route), and every signal id
 * has at least one rule (so no signal falls to the fallback by omission).
 */
export function validateTaxonomy(definition: TaxonomyDefinition, where: string): TaxonomyDefinition {
  const known = new Set(Object.keys(definition.classes));
  const problems: string[] = [];
  if (!known.has(definition.fallback)) problems.push(`fallback: unknown class "${definition.fallback}"`);
  definition.rules.forEach((rule, i) => {
    if (!known.has(rule.class)) problems.push(`rules.${i}.class: unknown class "${rule.class}"`);
    rule.secondary?.forEach((id, j) => {
      if (!known.has(id)) problems.push(`rules.${i}.secondary.${j}: unknown class "${id}"`);
    });
  });
  const ruled = new Set(definition.rules.map(rule => rule.signal));
  for (const signal of SIGNAL_IDS) {
    if (!ruled.has(signal)) problems.push(`rules: no rule for signal "${signal}" (map it, to the fallback class if need be)`);
  }
  if (problems.length > 0) throw new ConfigError(problems.map(p => `${where}: ${p}`).join('\n'));
  return definition;
}

/** Loads a taxonomy file (YAML or JSON), strictly. */
export function loadTaxonomyFile(path: string): TaxonomyDefinition {
  return validateTaxonomy(parseOrThrow(taxonomySchema, readYamlFile(path), path), path);
}

const TAXONOMIES_DIR = join(PACKAGE_SIGNALS_DIR, 'taxonomies');

/** The taxonomies shipped in `signals/taxonomies/`, selectable by name. */
export const TAXONOMY_PRESETS = ['default', 'incident-review', 'mast'] as const;
/** The name of a built-in taxonomy, one of {@link TAXONOMY_PRESETS}. */
export type TaxonomyPreset = (typeof TAXONOMY_PRESETS)[number];

export const DEFAULT_TAXONOMY_FILE = join(TAXONOMIES_DIR, 'default.yaml');

const presetCache = new Map<TaxonomyPreset, TaxonomyDefinition>();

function isPreset(name: string): name is TaxonomyPreset {
  return (TAXONOMY_PRESETS as readonly string[]).includes(name);
}

export function loadTaxonomyPreset(name: TaxonomyPreset): TaxonomyDefinition {
  let taxonomy = presetCache.get(name);
  if (!taxonomy) {
    taxonomy = loadTaxonomyFile(join(TAXONOMIES_DIR, `${name}.yaml`));
    presetCache.set(name, taxonomy);
  }
  return taxonomy;
}

export function loadDefaultTaxonomy(): TaxonomyDefinition {
  return loadTaxonomyPreset('default');
}

/**
 * A preset name (`default`, `incident-review`, `mast`), a file path, or a
 * definition. A preset name wins over a file of the same relative name; write
 * `./mast` for such a file.
 */
export function resolveTaxonomy(taxonomy: string | TaxonomyDefinition | undefined, where = 'options.taxonomy'): TaxonomyDefinition {
  if (taxonomy === undefined) return loadDefaultTaxonomy();
  if (typeof taxonomy === 'string') return isPreset(taxonomy) ? loadTaxonomyPreset(taxonomy) : loadTaxonomyFile(taxonomy);
  return validateTaxonomy(parseOrThrow(taxonomySchema, taxonomy, where), where);
}
