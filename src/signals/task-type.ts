import { boundedName, DEFAULT_MAX_NAME_CHARS } from '../normalize/attribute-reader.js';
import type { TurnView } from '../turns/turn-view.js';

/**
 * The task type of a turn: the string (or number) value of `attribute` on the
 * turn root when configured and present (a string of at most `maxNameChars`:
 * it is a state key), else the agent name.
 */
export function taskTypeOf(turn: TurnView, attribute: string | undefined, maxNameChars = DEFAULT_MAX_NAME_CHARS): string | undefined {
  if (attribute !== undefined) {
    const value = turn.root?.attributes[attribute];
    if (typeof value === 'string') return boundedName(value, maxNameChars) ?? turn.agentName;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return turn.agentName;
}
