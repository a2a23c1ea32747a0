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

const remediationSchema = z.strictObject({
  surface: z.enum(REMEDIATION_SURFACES),
  owner: z.string().min(1),
  decision: z.enum(REMEDIATION_DECISIONS),
  path: z.string().min(1),
});
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
export type TaxonomyDefinition = z.output<typeof taxonomySchema>;

/** Validates references between classes and rules, which the schema alone cannot. */
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
  if (problems.length > 0) throw new ConfigError(problems.map(p => `${where}: ${p}`).join('\n'));
  return definition;
}

/** Loads a taxonomy file (YAML or JSON), strictly. */
export function loadTaxonomyFile(path: string): TaxonomyDefinition {
  return validateTaxonomy(parseOrThrow(taxonomySchema, readYamlFile(path), path), path);
}

export const DEFAULT_TAXONOMY_FILE = join(PACKAGE_SIGNALS_DIR, 'taxonomies', 'default.yaml');

let defaultTaxonomy: TaxonomyDefinition | undefined;
export function loadDefaultTaxonomy(): TaxonomyDefinition {
  defaultTaxonomy ??= loadTaxonomyFile(DEFAULT_TAXONOMY_FILE);
  return defaultTaxonomy;
}
