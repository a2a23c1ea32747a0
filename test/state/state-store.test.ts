import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileStatePersistence } from '../../src/state/file-persistence.js';
import { StateStore } from '../../src/state/state-store.js';
import type { StateStoreHooks } from '../../src/state/state-store.js';
import type { StatePersistence, StateSnapshot } from '../../src/state/state-snapshot.js';
import { tempDir } from '../helpers/otlp-files.js';

const counts = z.array(z.number());

function recordingHooks(): StateStoreHooks & { evicted: number; invalid: number; errors: string[] } {
  const hooks = {
    evicted: 0,
    invalid: 0,
    errors: [] as string[],
    onEvicted: () => {
      hooks.evicted++;
    },
    onInvalidValue: () => {
      hooks.invalid++;
    },
    onPersistError: (operation: string) => {
      hooks.errors.push(operation);
    },
  };
  return hooks;
}

function fileStore(path: string, maxKeys = 100, hooks = recordingHooks()): StateStore {
  return new StateStore({ maxKeys, persistence: new FileStatePersistence(path, () => 1234), now: () => 1000, hooks });
}

describe('StateStore with the file persistence', () => {
  it('round-trips state through a restart, LRU order included', async () => {
    const path = join(tempDir(), 'nested', 'state.json');
    const first = fileStore(path);
    const ns = first.namespace('latency.baseline', counts);
    ns.set('a', [1, 2]);
    ns.set('b', [3]);
    ns.get('a'); // a becomes most recently used
    await first.flush();
    expect(existsSync(path)).toBe(true);

    const second = fileStore(path, 2);
    const again = second.namespace('latency.baseline', counts);
    expect(again.get('b')).toEqual([3]);
    expect(again.get('a')).toEqual([1, 2]);
    again.set('c', [4]); // over maxKeys 2: the least recently used (b) goes
    expect(again.get('b')).toBeUndefined();
    expect(second.size).toBe(2);
  });

  it('writes atomically: no temporary file is left behind and a save happens only after a change', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const store = fileStore(path);
    await store.flush();
    expect(existsSync(path)).toBe(false); // nothing changed, nothing written
    store.namespace('x', counts).set('k', [1]);
    await Promise.all([store.flush(), store.flush()]);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ version: 1, entries: [['x', 'k', [1]]] });
  });

  it.each([
    ['not JSON', '{"version": 1, "entr'],
    ['a JSON document of another shape', '{"hello": "world"}'],
  ])('moves a corrupt file (%s) aside and starts fresh', async (_desc, content) => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, content);
    const store = fileStore(path);
    const ns = store.namespace('x', counts);
    expect(ns.get('k')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['state.json.corrupt-1234']);
    expect(readFileSync(join(dir, 'state.json.corrupt-1234'), 'utf8')).toBe(content);
    ns.set('k', [7]);
    await store.flush();
    expect(fileStore(path).namespace('x', counts).get('k')).toEqual([7]);
  });

  it('drops a persisted value that fails its namespace schema, and counts it', () => {
    const path = join(tempDir(), 'state.json');
    const snapshot: StateSnapshot = { version: 1, savedAtMs: 0, entries: [['x', 'good', [1]], ['x', 'bad', 'nope']] };
    writeFileSync(path, JSON.stringify(snapshot));
    const hooks = recordingHooks();
    const ns = fileStore(path, 100, hooks).namespace('x', counts);
    expect(ns.get('bad')).toBeUndefined();
    expect(ns.get('good')).toEqual([1]);
    expect(hooks.invalid).toBe(1);
  });

  it('bounds each namespace, and the total by evicting from the fullest namespace', () => {
    const hooks = recordingHooks();
    const store = new StateStore({ maxKeys: 4, persistence: undefined, now: () => 0, hooks });
    const small = store.namespace('small', counts, 2);
    const big = store.namespace('big', counts);
    for (const key of ['a', 'b', 'c']) small.set(key, [1]);
    expect(small.get('a')).toBeUndefined();
    for (const key of ['1', '2', '3']) big.set(key, [1]);
    expect(store.size).toBe(4);
    expect(big.get('1')).toBeUndefined(); // the fullest namespace gave up its oldest key
    expect(small.get('b')).toEqual([1]);
    expect(hooks.evicted).toBe(2);
  });

  it('keeps running on memory when saving fails, and retries on the next flush', async () => {
    let fail = true;
    const saved: StateSnapshot[] = [];
    const persistence: StatePersistence = {
      load: () => undefined,
      save: snapshot => {
        if (fail) return Promise.reject(new Error('disk full'));
        saved.push(snapshot);
        return Promise.resolve();
      },
    };
    const hooks = recordingHooks();
    const store = new StateStore({ maxKeys: 10, persistence, now: () => 0, hooks });
    store.namespace('x', counts).set('k', [1]);
    await store.flush();
    expect(hooks.errors).toEqual(['save']);
    fail = false;
    await store.flush();
    expect(saved).toHaveLength(1);
  });

  it('applies an asynchronous load when it settles, keeping keys written meanwhile', async () => {
    let resolve: (value: unknown) => void = () => undefined;
    const persistence: StatePersistence = {
      load: () => new Promise(r => (resolve = r)),
      save: () => Promise.resolve(),
    };
    const store = new StateStore({ maxKeys: 10, persistence, now: () => 0, hooks: recordingHooks() });
    const ns = store.namespace('x', counts);
    ns.set('k', [2]);
    resolve({ version: 1, savedAtMs: 0, entries: [['x', 'k', [1]], ['x', 'old', [9]]] });
    await store.flush();
    expect(ns.get('k')).toEqual([2]);
    expect(ns.get('old')).toEqual([9]);
  });
});

describe('StateStore eviction (least recently used first, in two generations)', () => {
  const keysOf = (store: StateStore): string[] => store.snapshot().entries.map(([, key]) => key);

  it('keeps a key that is used on every turn however many other keys pass through', () => {
    const hooks = recordingHooks();
    const store = new StateStore({ maxKeys: 100, persistence: undefined, now: () => 0, hooks });
    const ns = store.namespace('x', counts, 8);
    ns.set('hot', [0]);
    for (let i = 0; i < 1000; i++) {
      expect(ns.get('hot')).toEqual([i]);
      ns.set('hot', [i + 1]);
      ns.set(`cold-${i}`, [i]);
    }
    expect(keysOf(store)).toHaveLength(8);
    expect(hooks.evicted).toBe(1000 + 1 - 8);
  });

  it('evicts the keys not used since the last rotation first, oldest first', () => {
    const store = new StateStore({ maxKeys: 100, persistence: undefined, now: () => 0, hooks: recordingHooks() });
    const ns = store.namespace('x', counts, 4);
    for (const key of ['a', 'b', 'c']) ns.set(key, [1]); // past 2 (half of 4), a, b, c rotate to the older generation
    ns.get('a'); // a is used again: back in the recent generation
    ns.set('d', [1]);
    ns.set('e', [1]); // over 4: b, not used since the rotation, goes first
    expect(keysOf(store)).toEqual(['c', 'a', 'd', 'e']);
    ns.set('f', [1]);
    expect(keysOf(store)).toEqual(['a', 'd', 'e', 'f']);
  });

  it('never holds more than its bound, never answers a stale value, and evicts a key only after half its bound of new keys since its last use', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 24 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 24 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 300 }), (maxKeys, ops) => {
        const store = new StateStore({ maxKeys: 1000, persistence: undefined, now: () => 0, hooks: recordingHooks() });
        const ns = store.namespace('x', counts, maxKeys);
        const values = new Map<string, number>();
        const newKeysSinceUse = new Map<string, number>();
        ops.forEach(({ kind, key: n }, step) => {
          const key = `k${n}`;
          if (kind === 'get') {
            expect(ns.get(key)).toEqual(values.has(key) ? [values.get(key)] : undefined);
            if (values.has(key)) newKeysSinceUse.set(key, 0);
          } else {
            if (!values.has(key)) for (const [other, count] of newKeysSinceUse) newKeysSinceUse.set(other, count + 1);
            ns.set(key, [step]);
            values.set(key, step);
            newKeysSinceUse.set(key, 0);
          }
          const held = new Set(keysOf(store));
          expect(held.size).toBeLessThanOrEqual(maxKeys);
          expect(store.size).toBe(held.size);
          for (const gone of [...values.keys()].filter(k => !held.has(k))) {
            expect(newKeysSinceUse.get(gone)).toBeGreaterThanOrEqual(Math.floor(maxKeys / 2));
            values.delete(gone);
            newKeysSinceUse.delete(gone);
          }
        });
      }),
    );
  });
});
