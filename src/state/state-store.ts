import { diag } from '@opentelemetry/api';
import type { z } from 'zod';
import { STATE_SNAPSHOT_VERSION, stateSnapshotSchema } from './state-snapshot.js';
import type { JsonValue, StatePersistence, StateSnapshot } from './state-snapshot.js';
import { flatString } from './flat-string.js';

/** One signal's slice of the store. Values are plain JSON; `set` after changing one. */
export interface StateNamespace<T extends JsonValue> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  delete(key: string): void;
}

export interface StateStoreHooks {
  /** A key was dropped to stay under `maxKeys` (least recently used first). */
  onEvicted(): void;
  /** A persisted value failed its namespace's schema and was dropped. */
  onInvalidValue(): void;
  onPersistError(operation: 'load' | 'save', error: unknown): void;
}

/**
 * Keys in two generations, so that using a key costs a lookup, not a reorder
 * (deleting and re-inserting a key of a large Map costs about a microsecond).
 * `recent` holds the keys used since the last rotation; `older` the rest,
 * oldest generation first. A key of `older` that is used moves to `recent`.
 * When `recent` outgrows half the namespace's bound, it is appended to
 * `older`; eviction takes the first key of `older`. So a key is evicted only
 * after about half its bound's worth of new keys arrived since it was last
 * used (exact LRU: the whole bound's worth), and a key used since the last
 * rotation outlives every key that was not. Values are held as they are: no
 * wrapper per key.
 */
interface Namespace {
  recent: Map<string, unknown>;
  older: Map<string, unknown>;
  /** Loaded keys whose values are not checked against the namespace's schema yet (done on first read). */
  unvalidated: Set<string> | undefined;
  schema: z.ZodType | undefined;
  maxKeys: number;
}

/**
 * The state stateful signals keep across turns and restarts (baselines,
 * memories). Held in memory, bounded per namespace and in total (past the
 * total, the fullest namespace gives up its least recently used key), and
 * saved as a whole snapshot by `flush()` (periodically, on forceFlush and on
 * shutdown), never on the span path.
 */
export class StateStore {
  private readonly _namespaces = new Map<string, Namespace>();
  private _size = 0;
  private readonly _maxKeys: number;
  private readonly _persistence: StatePersistence | undefined;
  private readonly _hooks: StateStoreHooks;
  private readonly _now: () => number;
  private _dirty = false;
  private _chain: Promise<void>;

  constructor(options: { maxKeys: number; persistence: StatePersistence | undefined; now: () => number; hooks: StateStoreHooks }) {
    this._maxKeys = options.maxKeys;
    this._persistence = options.persistence;
    this._hooks = options.hooks;
    this._now = options.now;
    this._chain = this._load();
  }

  get size(): number {
    return this._size;
  }

  /**
   * A namespace whose persisted values are validated with `schema` before
   * use, holding at most `maxKeys` keys (least recently used go first).
   */
  namespace<T extends JsonValue>(name: string, schema: z.ZodType<T>, maxKeys = Number.POSITIVE_INFINITY): StateNamespace<T> {
    const space = this._space(name);
    space.schema = schema;
    space.maxKeys = maxKeys;
    this._evictOverflow(space);
    return {
      get: key => this._get(space, key) as T | undefined,
      set: (key, value) => {
        this._set(space, key, value);
      },
      delete: key => {
        if (space.recent.delete(key) || space.older.delete(key)) {
          space.unvalidated?.delete(key);
          this._size--;
          this._dirty = true;
        }
      },
    };
  }

  /** Saves the state if it changed since the last save. Saves never overlap; never rejects. */
  flush(): Promise<void> {
    this._chain = this._chain.then(() => this._saveIfDirty());
    return this._chain;
  }

  snapshot(): StateSnapshot {
    const entries: [string, string, unknown][] = [];
    for (const [name, space] of this._namespaces) {
      for (const generation of [space.older, space.recent]) for (const [key, value] of generation) entries.push([name, key, value]);
    }
    return { version: STATE_SNAPSHOT_VERSION, savedAtMs: this._now(), entries };
  }

  private _space(name: string): Namespace {
    let space = this._namespaces.get(name);
    if (!space) {
      space = { recent: new Map(), older: new Map(), unvalidated: undefined, schema: undefined, maxKeys: Number.POSITIVE_INFINITY };
      this._namespaces.set(name, space);
    }
    return space;
  }

  /** Half the bound that applies to `space` (its own, or the total): past it, `recent` rotates. */
  private _rotateAt(space: Namespace): number {
    return Math.max(1, Math.floor(Math.min(space.maxKeys, this._maxKeys) / 2));
  }

  /** `recent` joins the end of `older`: its keys are now the youngest that have not been used since. */
  private _rotate(space: Namespace): void {
    if (space.older.size === 0) space.older = space.recent;
    else for (const [key, value] of space.recent) space.older.set(key, value);
    space.recent = new Map();
  }

  private _get(space: Namespace, key: string): unknown {
    let generation = space.recent;
    let value = generation.get(key);
    if (value === undefined) {
      generation = space.older;
      value = generation.get(key);
      if (value === undefined) return undefined;
    }
    if (space.unvalidated?.delete(key)) {
      const parsed = space.schema?.safeParse(value);
      if (!parsed?.success) {
        generation.delete(key);
        this._size--;
        this._hooks.onInvalidValue();
        return undefined;
      }
      value = parsed.data;
      generation.set(key, value);
    }
    if (generation === space.older) {
      space.older.delete(key);
      space.recent.set(key, value);
      if (space.recent.size > this._rotateAt(space)) this._rotate(space);
    }
    return value;
  }

  private _set(space: Namespace, key: string, value: unknown): void {
    this._dirty = true;
    space.unvalidated?.delete(key);
    // Set again in place: a key of `recent` keeps its position and its (already flat) string.
    if (space.recent.has(key)) {
      space.recent.set(key, value);
      return;
    }
    if (!space.older.delete(key)) this._size++;
    // A key built by concatenation is a tree of string pieces; held for long, it is worth one flat copy.
    space.recent.set(flatString(key), value);
    if (space.recent.size > this._rotateAt(space)) this._rotate(space);
    this._evictOverflow(space);
  }

  private _evictOverflow(space: Namespace): void {
    while (sizeOf(space) > space.maxKeys) this._evictOldest(space);
    while (this._size > this._maxKeys) {
      let fullest = space;
      for (const candidate of this._namespaces.values()) {
        if (sizeOf(candidate) > sizeOf(fullest)) fullest = candidate;
      }
      this._evictOldest(fullest);
    }
  }

  private _evictOldest(space: Namespace): void {
    if (space.older.size === 0) {
      if (space.recent.size === 0) return;
      this._rotate(space);
    }
    const oldest = space.older.keys().next().value as string;
    space.older.delete(oldest);
    space.unvalidated?.delete(oldest);
    this._size--;
    this._hooks.onEvicted();
  }

  private async _load(): Promise<void> {
    if (!this._persistence) return;
    try {
      const loaded: unknown = this._persistence.load();
      // A synchronous load applies before the first span (nothing is awaited); an asynchronous one when it settles.
      if (loaded instanceof Promise) this._apply(await loaded);
      else this._apply(loaded);
    } catch (error) {
      this._hooks.onPersistError('load', error);
    }
  }

  /** Loaded keys go before (older than) any key written since: the newer value wins. */
  private _apply(raw: unknown): void {
    if (raw === undefined) return;
    const parsed = stateSnapshotSchema.safeParse(raw);
    if (!parsed.success) {
      const version = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['version'] : undefined;
      const reason =
        typeof version === 'number' && version !== STATE_SNAPSHOT_VERSION
          ? `written by another version of otel-agent-triage (state format ${version}; this one reads ${STATE_SNAPSHOT_VERSION})`
          : `not a state snapshot: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      if (this._persistence?.setAside) this._persistence.setAside(reason);
      else diag.warn(`agent-triage: state from ${String(this._persistence)} is unusable (${reason}); starting fresh`);
      return;
    }
    const loaded = new Map<string, Map<string, unknown>>();
    for (const [name, key, value] of parsed.data.entries) {
      const space = this._namespaces.get(name);
      if (space?.recent.has(key) || space?.older.has(key)) continue;
      const entries = loaded.get(name) ?? new Map<string, unknown>();
      loaded.set(name, entries);
      entries.set(key, value);
    }
    for (const [name, entries] of loaded) {
      const space = this._space(name);
      space.unvalidated ??= new Set();
      for (const key of entries.keys()) space.unvalidated.add(key);
      this._size += entries.size;
      // Loaded keys enter as the oldest of `older`: used again, they move to `recent`; unused, they go first.
      for (const [key, entry] of space.older) entries.set(key, entry);
      space.older = entries;
    }
    for (const space of this._namespaces.values()) this._evictOverflow(space);
  }

  private async _saveIfDirty(): Promise<void> {
    if (!this._persistence || !this._dirty) return;
    this._dirty = false;
    try {
      await this._persistence.save(this.snapshot());
    } catch (error) {
      this._dirty = true;
      this._hooks.onPersistError('save', error);
    }
  }
}

function sizeOf(space: Namespace): number {
  return space.recent.size + space.older.size;
}
