import { ConfigError, describeZodError } from '../config/config-error.js';
import { z } from 'zod';
import { createOutputTokenDropSignal } from './output-token-drop.js';
import { createProviderErrorSignal } from './provider-error.js';
import { createSatisfactionDropSignal } from './satisfaction-drop.js';
import type { Severity, Signal, SignalDeps, SignalId } from './signal.js';
import type { SignalOverride, SignalSettings } from './signal-config.js';
import { loadSignalSettings } from './signal-config.js';
import { createSkippedPlannedCallSignal } from './skipped-planned-call.js';
import { createToolErrorSignal } from './tool-error.js';
import { createToolLatencySpikeSignal } from './tool-latency-spike.js';
import { createToolResultMismatchSignal } from './tool-result-mismatch.js';
import { createZeroToolCallsSignal } from './zero-tool-calls.js';

/**
 * Builds a signal from its options (validated by the factory, strictly) and
 * its dependencies (clock and persistent state; stateless signals ignore them).
 */
type SignalFactory = (options: Readonly<Record<string, unknown>>, deps: SignalDeps) => Signal;

/** The built-in signals, one per id. */
export const BUILTIN_SIGNALS: Readonly<Record<SignalId, SignalFactory>> = {
  provider_error: options => createProviderErrorSignal(options),
  tool_error: options => createToolErrorSignal(options),
  zero_tool_calls: (options, deps) => createZeroToolCallsSignal(options, deps),
  skipped_planned_call: options => createSkippedPlannedCallSignal(options),
  tool_latency_spike: (options, deps) => createToolLatencySpikeSignal(options, deps),
  output_token_drop: (options, deps) => createOutputTokenDropSignal(options, deps),
  tool_result_mismatch: (options, deps) => createToolResultMismatchSignal(options, deps),
  satisfaction_drop: (options, deps) => createSatisfactionDropSignal(options, deps),
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
  overrides: Readonly<Record<string, SignalOverride>>,
  depsFor: (id: SignalId) => SignalDeps,
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
    .map(settings => ({ signal: instantiate(settings, depsFor(settings.id)), severity: settings.severity, action: settings.action }));
}

function instantiate(settings: SignalSettings, deps: SignalDeps): Signal {
  const factory = BUILTIN_SIGNALS[settings.id];
  try {
    return factory(settings.options, deps);
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw new ConfigError(describeZodError(`${settings.source} (or options.signals.${settings.id})`, error, ['options']));
    }
    throw error;
  }
}
