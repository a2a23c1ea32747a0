import { z } from 'zod';

/** JSON values a signal may keep in the state store (persisted as they are). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export const STATE_SNAPSHOT_VERSION = 1;

/**
 * What a store persists: per namespace (a signal id), its entries as
 * `[key, value]` pairs, least recently used first, so LRU order survives a
 * restart. Values are validated later by the schema of their namespace.
 */
export const stateSnapshotSchema = z.strictObject({
  version: z.literal(STATE_SNAPSHOT_VERSION),
  savedAtMs: z.number(),
  entries: z.array(z.tuple([z.string(), z.string(), z.unknown()])),
});
/** What a `StatePersistence` loads and saves: every namespace's keys and values, least recently used first, with a format version. */
export type StateSnapshot = z.output<typeof stateSnapshotSchema>;

/**
 * Where the state store persists its snapshot. The default writes a local
 * file; implement this to keep state elsewhere (a shared volume, a database).
 * `load` runs once at construction; `save` is called off the span path and
 * awaited by `forceFlush` and `shutdown`.
 */
export interface StatePersistence {
  /**
   * The last saved snapshot, or undefined when there is none yet; unvalidated
   * (the store validates it). May be a promise: until it settles the store
   * runs on fresh state, and keys written meanwhile keep their newer value.
   */
  load(): unknown;
  save(snapshot: StateSnapshot): Promise<void>;
  /** Called when the loaded snapshot is unusable: keep it aside for inspection. */
  setAside?(reason: string): void;
  /** For messages: where the state lives. */
  toString(): string;
}
