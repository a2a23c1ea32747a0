import { holdsSkipped } from './json-skim.js';
import { plannedToolCall } from './span-view.js';
import type { PlannedToolCall } from './span-view.js';

/**
 * The tool calls an LLM step planned, from `gen_ai.output.messages`
 * (`[{role, parts:[{type:'tool_call', id, name, arguments}], finish_reason}]`).
 * Returns undefined when the value does not have the documented shape: an
 * array of objects whose `parts`, when present, is an array. Lenient inside
 * it on purpose: parts of other types or with unusable fields are passed over,
 * so one odd part never hides the others. Checked by hand, not by a schema:
 * this runs on every LLM step.
 */
export function plannedCallsFromOutputMessages(value: unknown, skimmed = false): PlannedToolCall[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const message of value) {
    if (!isRecord(message)) return undefined;
    const parts = message['parts'];
    if (parts !== undefined && !Array.isArray(parts)) return undefined;
  }
  const planned: PlannedToolCall[] = [];
  for (const message of value as Record<string, unknown>[]) {
    const parts = message['parts'] as unknown[] | undefined;
    if (parts === undefined) continue;
    for (const part of parts) {
      const call = toolCallOf(part, skimmed);
      if (call) planned.push(call);
    }
  }
  return planned;
}

/** In a skimmed value, arguments holding a long string that was stepped over get no digest. */
function toolCallOf(part: unknown, skimmed: boolean): PlannedToolCall | undefined {
  if (!isRecord(part) || part['type'] !== 'tool_call') return undefined;
  const { id, name, arguments: args } = part;
  if (typeof name !== 'string' || name === '' || (id !== undefined && typeof id !== 'string')) return undefined;
  return plannedToolCall(id === '' ? undefined : id, name, skimmed && holdsSkipped(args) ? undefined : args);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
