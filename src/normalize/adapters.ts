import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ConventionAdapter } from './adapter.js';
import { aiSdkAdapter } from './ai-sdk-adapter.js';
import { genAiAdapter } from './genai-adapter.js';
import { openInferenceAdapter } from './openinference-adapter.js';
import { openLlmetryAdapter } from './openllmetry-adapter.js';

/**
 * Built-in adapters in the order they are tried, most specific first: AI SDK 6
 * and OpenLLMetry spans also carry `gen_ai.*` keys, so the GenAI adapter,
 * which matches on those alone, comes last.
 */
export const DEFAULT_ADAPTERS: readonly ConventionAdapter[] = [aiSdkAdapter, openInferenceAdapter, openLlmetryAdapter, genAiAdapter];

/** The adapter that describes a span, if any. */
export function adapterFor(span: ReadableSpan, adapters: readonly ConventionAdapter[]): ConventionAdapter | undefined {
  for (const adapter of adapters) if (adapter.matches(span)) return adapter;
  return undefined;
}
