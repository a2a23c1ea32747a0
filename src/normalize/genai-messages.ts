import { z } from 'zod';
import { hashArguments } from './content-hash.js';
import type { PlannedToolCall } from './span-view.js';

// Lenient on purpose: only the fields we use are checked, unknown part types
// and extra fields pass, so one odd part never hides the others.
const toolCallPart = z.object({
  type: z.literal('tool_call'),
  id: z.string().optional(),
  name: z.string().min(1),
  arguments: z.unknown().optional(),
});
const outputMessages = z.array(
  z.object({ parts: z.array(z.unknown()).optional() }).loose(),
);

/**
 * The tool calls an LLM step planned, from `gen_ai.output.messages`
 * (`[{role, parts:[{type:'tool_call', id, name, arguments}], finish_reason}]`).
 * Returns undefined when the value does not have the documented shape.
 */
export function plannedCallsFromOutputMessages(value: unknown): PlannedToolCall[] | undefined {
  const messages = outputMessages.safeParse(value);
  if (!messages.success) return undefined;
  const planned: PlannedToolCall[] = [];
  for (const message of messages.data) {
    for (const part of message.parts ?? []) {
      const call = toolCallPart.safeParse(part);
      if (!call.success) continue;
      planned.push({
        id: call.data.id === '' ? undefined : call.data.id,
        name: call.data.name,
        argsHash: call.data.arguments === undefined ? undefined : hashArguments(call.data.arguments),
      });
    }
  }
  return planned;
}
