import type { TurnView } from '../turns/turn-view.js';

/**
 * The task type of a turn: the string (or number) value of `attribute` on the
 * turn root when configured and present, else the agent name.
 */
export function taskTypeOf(turn: TurnView, attribute: string | undefined): string | undefined {
  if (attribute !== undefined) {
    const value = turn.root?.attributes[attribute];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return turn.agentName;
}
