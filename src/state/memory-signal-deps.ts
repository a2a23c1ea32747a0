import type { SignalDeps, SignalId } from '../signals/signal.js';
import { StateStore } from './state-store.js';

/**
 * Signal dependencies backed by a store that lives in memory only: for
 * replays and offline checks, where no baseline should be read or written.
 */
export function memorySignalDeps(now: () => number = Date.now, maxKeys = 100_000): (id: SignalId) => SignalDeps {
  const store = new StateStore({
    maxKeys,
    persistence: undefined,
    now,
    hooks: { onEvicted: () => undefined, onInvalidValue: () => undefined, onPersistError: () => undefined },
  });
  return id => ({ now, state: (name, schema, keys) => store.namespace(`${id}.${name}`, schema, keys) });
}
