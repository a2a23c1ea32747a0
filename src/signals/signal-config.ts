import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../config/config-error.js';
import { PACKAGE_SIGNALS_DIR, readYamlFile } from '../config/data-files.js';
import { SEVERITIES } from './signal.js';
import type { Severity, SignalId } from './signal.js';

/** The shape of `signals/<id>.yaml`. */
export const signalFileSchema = z.strictObject({
  enabled: z.boolean(),
  severity: z.enum(SEVERITIES),
  /** The immediate action of the failure-signal table, carried on every finding. */
  action: z.string().min(1),
  /** Signal-specific options, validated by the signal's own factory. */
  options: z.record(z.string(), z.unknown()),
});

/** A user override of one signal: every field optional, options merged key by key. */
export const signalOverrideSchema = signalFileSchema.partial();
/** Per-signal override of `signals/<id>.yaml` (the `signals` option): `enabled`, `severity`, `action`, `options` (merged key by key). */
export type SignalOverride = z.input<typeof signalOverrideSchema>;

export interface SignalSettings {
  readonly id: SignalId;
  readonly enabled: boolean;
  readonly severity: Severity;
  readonly action: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** Where the defaults came from, for error messages. */
  readonly source: string;
}

/** Loads `signals/<id>.yaml` for each id, then applies the user's overrides. */
export function loadSignalSettings(
  ids: readonly SignalId[],
  overrides: Readonly<Partial<Record<SignalId, SignalOverride>>> = {},
  dir: string = PACKAGE_SIGNALS_DIR,
): SignalSettings[] {
  return ids.map(id => {
    const source = join(dir, `${id}.yaml`);
    const defaults = parseOrThrow(signalFileSchema, readYamlFile(source), source);
    const override = parseOrThrow(signalOverrideSchema, overrides[id] ?? {}, 'options', ['signals', id]);
    return {
      id,
      source,
      enabled: override.enabled ?? defaults.enabled,
      severity: override.severity ?? defaults.severity,
      action: override.action ?? defaults.action,
      options: { ...defaults.options, ...override.options },
    };
  });
}
