import type { FinishReason } from './span-view.js';

// Every emitter spells these differently: OTel `tool_call`, OpenAI `tool_calls`,
// AI SDK `tool-calls`, legacy `function_call`.
const FINISH_REASONS: ReadonlyMap<string, FinishReason> = new Map([
  ['tool_call', 'tool_calls'],
  ['tool_calls', 'tool_calls'],
  ['tool-calls', 'tool_calls'],
  ['function_call', 'tool_calls'],
  ['stop', 'stop'],
  ['end_turn', 'stop'],
  ['length', 'length'],
  ['max_tokens', 'length'],
  ['content_filter', 'content_filter'],
  ['content-filter', 'content_filter'],
  ['error', 'error'],
]);

/** The normalised finish reason of the first choice; unknown spellings become `other`. */
export function normalizeFinishReason(raw: readonly string[] | undefined): FinishReason | undefined {
  const first = raw?.find(reason => reason !== '');
  if (first === undefined) return undefined;
  return FINISH_REASONS.get(first.toLowerCase()) ?? 'other';
}
