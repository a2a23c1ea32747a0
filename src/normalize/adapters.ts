import type { ConventionAdapter } from './adapter.js';
import { genAiAdapter } from './genai-adapter.js';

/** Built-in adapters in the order they are tried. */
export const DEFAULT_ADAPTERS: readonly ConventionAdapter[] = [genAiAdapter];
