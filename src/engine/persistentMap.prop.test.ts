/**
 * Properties of the persistent map against a plain Map as the model: every read agrees after any
 * sequence of sets and deletes (old versions unchanged), the shape and the canonical JSON depend
 * only on the contents (not on the order of operations), and diff reports exactly what changed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson, stateHash } from './machine.js';
import { PersistentMap } from './persistentMap.js';

/** Keys from a small alphabet, so sets, overwrites and deletes of the same key are frequent. */
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor', '0', '10', '2'),
  fc.string({ minLength: 0, maxLength: 3 }),
  fc.nat({ max: 3_000 }).map((n) => `u${n}`),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ kind: fc.constant('delete' as const), key }),
);

type Op =
  | { readonly kind: 'set'; readonly key: string; readonly value: number }
  | { readonly kind: 'delete'; readonly key: string };

function run(ops: readonly Op[]) {
  let map = PersistentMap.empty<number>();
  const model = new Map<string, number>();
  const versions: { map: PersistentMap<number>; model: Map<string, number> }[] = [];
  for (const o of ops) {
    if (o.kind === 'set') {
      map = map.set(o.key, o.value);
      model.set(o.key, o.value);
    } else {
      map = map.delete(o.key);
      model.delete(o.key);
    }
    versions.push({ map, model: new Map(model) });
  }
  return { map, model, versions };
}

describe('PersistentMap (properties)', () => {
  test('behavior: every version reads like the model', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const { versions } = run(ops);
        for (const v of versions) {
          expect(v.map.size).toBe(v.model.size);
          expect(v.map.entries()).toEqual([...v.model.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
          for (const k of ['a', '__proto__', 'u1', '']) expect(v.map.get(k)).toBe(v.model.get(k));
        }
      }),
    );
  });

  test('behavior: equal contents give a deep-equal map and the same hash whatever the order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer(), (ops, seed) => {
        const { map, model } = run(ops);
        // The same entries inserted in another order (a seeded shuffle), without any delete.
        const entries = [...model.entries()];
        let s = seed >>> 0;
        for (let i = entries.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
          const j = s % (i + 1);
          [entries[i], entries[j]] = [entries[j] as [string, number], entries[i] as [string, number]];
        }
        const rebuilt = PersistentMap.fromEntries(entries);
        expect(rebuilt).toEqual(map);
        expect(canonicalJson({ m: rebuilt })).toBe(canonicalJson({ m: Object.fromEntries(model) }));
        expect(stateHash({ m: map })).toBe(stateHash({ m: rebuilt }));
      }),
    );
  });

  test('behavior: diff reports exactly the keys whose values differ', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.array(op, { maxLength: 60 }), (first, second) => {
        const a = run(first);
        let b = a.map;
        const modelB = new Map(a.model);
        for (const o of second) {
          if (o.kind === 'set') {
            b = b.set(o.key, o.value);
            modelB.set(o.key, o.value);
          } else {
            b = b.delete(o.key);
            modelB.delete(o.key);
          }
        }
        const expected: [string, number | undefined, number | undefined][] = [];
        for (const k of new Set([...a.model.keys(), ...modelB.keys()])) {
          if (a.model.get(k) !== modelB.get(k)) expected.push([k, a.model.get(k), modelB.get(k)]);
        }
        const seen: [string, number | undefined, number | undefined][] = [];
        PersistentMap.diff(a.map, b, (k, was, now) => seen.push([k, was, now]));
        const byKey = (x: [string, unknown, unknown], y: [string, unknown, unknown]) =>
          x[0] < y[0] ? -1 : 1;
        expect(seen.sort(byKey)).toEqual(expected.sort(byKey));
      }),
    );
  });
});
