import { ConfigError, describeZodError } from '../config/config-error.js';
import { z } from 'zod';
import { createProviderErrorSignal } from './provider-error.js';
import type { Severity, Signal, SignalId } from './signal.js';
import type { SignalOverride, SignalSettings } from './signal-config.js';
import { loadSignalSettings } from './signal-config.js';
import { createSkippedPlannedCallSignal } from './skipped-planned-call.js';
import { createToolErrorSignal } from './tool-error.js';
import type { ToolErrorOptions } from './tool-error.js';
import { createZeroToolCallsSignal } from './zero-tool-calls.js';

type SignalFactory = (options: Readonly<Record<string, unknown>>) => Signal;

/** The built-in signals. Each factory validates its own options (strictly). */
export const BUILTIN_SIGNALS: Readonly<Partial<Record<SignalId, SignalFactory>>> = {
  provider_error: options => createProviderErrorSignal(options),
  tool_error: options => createToolErrorSignal(options as ToolErrorOptions),
  zero_tool_calls: options => createZeroToolCallsSignal(options),
  skipped_planned_call: options => createSkippedPlannedCallSignal(options),
};

/** A signal ready to run, with the severity and action its findings carry by default (also how users add `custom.*` signals). */
export interface ConfiguredSignal {
  readonly signal: Signal;
  readonly severity: Severity;
  readonly action: string;
}

export function builtinSignalIds(): SignalId[] {
  return Object.keys(BUILTIN_SIGNALS) as SignalId[];
}

/**
 * Builds every enabled built-in signal from its defaults in `signals/` and the
 * user's overrides. An override for an unknown signal, or bad options, throws a
 * {@link ConfigError} naming the file or key.
 */
export function buildSignals(
  overrides: Readonly<Record<string, SignalOverride>> = {},
  dir?: string,
): ConfiguredSignal[] {
  const ids = builtinSignalIds();
  for (const key of Object.keys(overrides)) {
    if (!ids.includes(key as SignalId)) {
      throw new ConfigError(`options: signals.${key}: unknown signal; known: ${ids.join(', ')}`);
    }
  }
  return loadSignalSettings(ids, overrides, dir)
    .filter(settings => settings.enabled)
    .map(settings => ({ signal: instantiate(settings), severity: settings.severity, action: settings.action }));
}

function instantiate(settings: SignalSettings): Signal {
  const factory = BUILTIN_SIGNALS[settings.id];
  if (!factory) throw new ConfigError(`${settings.source}: no built-in signal "${settings.id}"`);
  try {
    return factory(settings.options);
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw new ConfigError(describeZodError(`${settings.source} (or options.signals.${settings.id})`, error, ['options']));
    }
    throw error;
  }
}
