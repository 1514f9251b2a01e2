/**
 * Properties of the persistent map against a plain Map as the model: every read agrees after any
 * sequence of sets and deletes (old versions unchanged), the shape and the canonical JSON depend
 * only on the contents (not on the order of operations), and diff reports exactly what changed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { canonicalJson, stateHash } from './machine.js';
import { keyHash, PersistentMap } from './persistentMap.js';

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
  test('behavior: diff reports its changes in the order of the plain recursive reference', () => {
    // The fast paths for added, removed and single-leaf slots must not reorder the callbacks
    // (callers keep insertion-ordered maps of what changed).
    // Few keys (most slots hold one or two, so leaves turn into branches and back) and the wider mix.
    const fewKeys = fc.nat({ max: 80 }).map((n) => `k${n}`);
    const fewOp = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fewKeys, value: fc.integer({ min: -2, max: 2 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fewKeys }),
    );
    const ops = fc.oneof(fc.array(op, { maxLength: 200 }), fc.array(fewOp, { maxLength: 120 }));
    fc.assert(
      fc.property(
        ops,
        fc.oneof(fc.array(op, { maxLength: 60 }), fc.array(fewOp, { maxLength: 60 })),
        (first, second) => {
          const a = run(first).map;
          let b = a;
          for (const o of second) b = o.kind === 'set' ? b.set(o.key, o.value) : b.delete(o.key);
          const seen: [string, number | undefined, number | undefined][] = [];
          PersistentMap.diff(a, b, (k, was, now) => seen.push([k, was, now]));
          const expected: [string, number | undefined, number | undefined][] = [];
          referenceDiff(rootOf(a), rootOf(b), (k, was, now) => expected.push([k, was, now]));
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('behavior: a slot emptied down to one changed key reports in the reference order', () => {
    // Every key but one of a root slot deleted and the survivor changed: a branch that becomes a
    // single leaf, the case whose changes (survivor, then the deleted) are easiest to reorder.
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 400 }), { minLength: 2, maxLength: 120 }),
        fc.nat(),
        (ids, pick) => {
          const keys = ids.map((n) => `k${n}`);
          const a = PersistentMap.fromEntries<number>(keys.map((k): [string, number] => [k, 1]));
          const slots = new Map<number, string[]>();
          for (const k of keys) slots.set(keyHash(k) & 31, [...(slots.get(keyHash(k) & 31) ?? []), k]);
          const crowded = [...slots.values()].filter((group) => group.length >= 2);
          fc.pre(crowded.length > 0);
          const group = crowded[pick % crowded.length] as string[];
          let b = a;
          for (const k of group.slice(1)) b = b.delete(k);
          b = b.set(group[0] as string, 2);
          const seen: [string, number | undefined, number | undefined][] = [];
          PersistentMap.diff(a, b, (k, was, now) => seen.push([k, was, now]));
          const expected: [string, number | undefined, number | undefined][] = [];
          referenceDiff(rootOf(a), rootOf(b), (k, was, now) => expected.push([k, was, now]));
          expect(seen).toEqual(expected);
          expect(seen.length).toBe(group.length);
        },
      ),
    );
  });
});

/** The trie as the map holds it (read through its internal `root` for the reference below). */
type RefNode =
  | { readonly kind: 0; readonly key: string; readonly value: number }
  | { readonly kind: 1; readonly leaves: readonly RefNode[] }
  | { readonly kind: 2; readonly bitmap: number; readonly children: readonly RefNode[] };

function rootOf(map: PersistentMap<number>): RefNode {
  return (map as unknown as { readonly root: RefNode }).root;
}

function refWalk(node: RefNode, visit: (key: string, value: number) => void): void {
  if (node.kind === 0) visit(node.key, node.value);
  else if (node.kind === 1) for (const l of node.leaves) refWalk(l, visit);
  else for (const c of node.children) refWalk(c, visit);
}

function refChild(node: RefNode & { kind: 2 }, bit: number): RefNode | undefined {
  if ((node.bitmap & bit) === 0) return undefined;
  let below = node.bitmap & (bit - 1);
  let index = 0;
  while (below !== 0) {
    below &= below - 1;
    index += 1;
  }
  return node.children[index];
}

/** Diff with no fast paths beyond aligned branches and leaf pairs: entry sets compared via a Map. */
function referenceDiff(
  a: RefNode | undefined,
  b: RefNode | undefined,
  change: (key: string, before: number | undefined, after: number | undefined) => void,
): void {
  if (a === b) return;
  if (a?.kind === 2 && b?.kind === 2) {
    for (let slot = 0; slot < 32; slot++) {
      const bit = 2 ** slot;
      const bit32 = bit | 0;
      if (((a.bitmap | b.bitmap) & bit32) !== 0)
        referenceDiff(refChild(a, bit32), refChild(b, bit32), change);
    }
    return;
  }
  if (a?.kind === 0 && b?.kind === 0) {
    if (a.key === b.key) {
      if (a.value !== b.value) change(a.key, a.value, b.value);
    } else {
      change(a.key, a.value, undefined);
      change(b.key, undefined, b.value);
    }
    return;
  }
  const left = new Map<string, number>();
  if (a !== undefined) refWalk(a, (k, v) => left.set(k, v));
  if (b !== undefined) {
    refWalk(b, (k, v) => {
      const had = left.has(k);
      const old = left.get(k);
      left.delete(k);
      if (!had || old !== v) change(k, had ? old : undefined, v);
    });
  }
  for (const [k, old] of left) change(k, old, undefined);
}
