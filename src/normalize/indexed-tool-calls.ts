import type { Attributes } from '@opentelemetry/api';
import { plannedToolCall } from './span-view.js';
import type { PlannedToolCall } from './span-view.js';

/**
 * Where a flattened convention puts tool calls: keys of the form
 * `<messages><i>.<calls><j>.<field>`, e.g. OpenInference
 * `llm.output_messages.0.message.tool_calls.1.tool_call.function.name`.
 */
export interface IndexedToolCallLayout {
  readonly messages: string;
  readonly calls: string;
  readonly name: string;
  readonly arguments: string;
  readonly id: string;
}

interface PartialCall {
  readonly order: [number, number];
  name?: string;
  args?: string;
  id?: string;
}

/**
 * The tool calls spread over indexed attribute keys, in message then call
 * order. Only keys under `layout.messages` are looked at; calls without a name
 * are dropped (nothing can be matched against them).
 */
export function plannedCallsFromIndexedKeys(attributes: Attributes, layout: IndexedToolCallLayout, maxContentChars: number): PlannedToolCall[] {
  const calls = new Map<string, PartialCall>();
  for (const key in attributes) {
    if (!key.startsWith(layout.messages)) continue;
    const found = parseKey(key, layout);
    if (!found) continue;
    const value = attributes[key];
    if (typeof value !== 'string' || value === '') continue;
    const slot = `${found.message}.${found.call}`;
    let call = calls.get(slot);
    if (!call) {
      call = { order: [found.message, found.call] };
      calls.set(slot, call);
    }
    if (found.field === layout.name) call.name = value;
    else if (found.field === layout.arguments) call.args = value;
    else if (found.field === layout.id) call.id = value;
  }
  return [...calls.values()]
    .filter((call): call is PartialCall & { name: string } => call.name !== undefined)
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1])
    .map(call => plannedToolCall(call.id, call.name, call.args, maxContentChars));
}

function parseKey(key: string, layout: IndexedToolCallLayout): { message: number; call: number; field: string } | undefined {
  const afterMessages = key.slice(layout.messages.length);
  const dot = afterMessages.indexOf('.');
  const message = Number(afterMessages.slice(0, dot));
  const rest = afterMessages.slice(dot + 1);
  if (dot <= 0 || !Number.isInteger(message) || !rest.startsWith(layout.calls)) return undefined;
  const afterCalls = rest.slice(layout.calls.length);
  const dot2 = afterCalls.indexOf('.');
  const call = Number(afterCalls.slice(0, dot2));
  if (dot2 <= 0 || !Number.isInteger(call)) return undefined;
  return { message, call, field: afterCalls.slice(dot2 + 1) };
}
