import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JoinedKeys } from '../../src/state/joined-keys.js';

describe('JoinedKeys', () => {
  it('gives the NUL-joined key of any parts, the same string for the same parts, also past its bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.string(), fc.string(), fc.string()), { maxLength: 60 }), (maxKeys, parts) => {
        const keys = new JoinedKeys(maxKeys);
        for (const [a, b, c] of parts) {
          expect(keys.of(a, b)).toBe(`${a}\u0000${b}`);
          expect(keys.of(keys.of(a, b), c)).toBe(`${a}\u0000${b}\u0000${c}`);
        }
      }),
    );
  });

  it('remembers a repeat without growing, and at most its bound of keys (past it, memory starts over)', () => {
    const keys = new JoinedKeys(2);
    keys.of('search', 'q1');
    keys.of('search', 'q1');
    expect(keys.size).toBe(1);
    keys.of('search', 'q2');
    expect(keys.size).toBe(2);
    expect(keys.of('fetch', 'id')).toBe('fetch\u0000id'); // past the bound: memory starts over with this key
    expect(keys.size).toBe(1);
    for (let i = 0; i < 100; i++) keys.of('search', `q${i}`);
    expect(keys.size).toBeLessThanOrEqual(2);
  });
});
