import { describe, expect, test } from 'vitest';
import { canonicalJson, stateHash } from './machine.js';
import { keyHash, PersistentMap } from './persistentMap.js';

/** Two distinct keys with the same 32-bit hash (found by search: a birthday collision). */
function collidingKeys(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = `k${i}`;
    const h = keyHash(key);
    const other = seen.get(h);
    if (other !== undefined) return [other, key];
    seen.set(h, key);
  }
}

describe('PersistentMap', () => {
  test('default: set, get, has, delete and size, each leaving the old map as it was', () => {
    const empty = PersistentMap.empty<number>();
    const one = empty.set('a', 1);
    const two = one.set('b', 2);
    expect([empty.size, one.size, two.size]).toEqual([0, 1, 2]);
    expect(two.get('a')).toBe(1);
    expect(two.get('b')).toBe(2);
    expect(one.get('b')).toBeUndefined();
    expect(two.has('a')).toBe(true);
    expect(empty.has('a')).toBe(false);
    const back = two.delete('a');
    expect(back.get('a')).toBeUndefined();
    expect(back.size).toBe(1);
    expect(two.get('a')).toBe(1);
  });

  test('behavior: setting the same value or deleting an absent key returns the same map', () => {
    const m = PersistentMap.empty<bigint>().set('x', 5n);
    expect(m.set('x', 5n)).toBe(m);
    expect(m.delete('y')).toBe(m);
    expect(m.set('x', 6n)).not.toBe(m);
  });

  test('behavior: prototype names are ordinary keys', () => {
    const m = PersistentMap.empty<number>().set('__proto__', 1).set('constructor', 2).set('toString', 3);
    expect(m.get('__proto__')).toBe(1);
    expect(m.get('constructor')).toBe(2);
    expect(m.has('hasOwnProperty')).toBe(false);
    const record = m.toRecord();
    expect(Object.keys(record).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
  });

  test('behavior: keys, entries and values come sorted by key', () => {
    const m = PersistentMap.fromEntries([
      ['b', 2],
      ['10', 10],
      ['a', 1],
      ['2', 20],
    ]);
    expect(m.keys()).toEqual(['10', '2', 'a', 'b']);
    expect(m.entries()).toEqual([
      ['10', 10],
      ['2', 20],
      ['a', 1],
      ['b', 2],
    ]);
    expect(m.values()).toEqual([10, 20, 1, 2]);
  });

  test('behavior: keys with equal hashes are kept apart, found and removed', () => {
    const [x, y] = collidingKeys();
    expect(keyHash(x)).toBe(keyHash(y));
    const m = PersistentMap.empty<string>().set(x, 'x').set(y, 'y').set('other', 'o');
    expect([m.get(x), m.get(y), m.get('other'), m.size]).toEqual(['x', 'y', 'o', 3]);
    const withoutX = m.delete(x);
    expect([withoutX.get(x), withoutX.get(y), withoutX.size]).toEqual([undefined, 'y', 2]);
    // Canonical shape: the same contents built the other way round are deep-equal.
    expect(withoutX).toEqual(PersistentMap.empty<string>().set('other', 'o').set(y, 'y'));
  });

  test('behavior: serializes as the plain record it stands for', () => {
    const record = { b: 2n, a: { deep: 1n }, '7': 3n };
    const m = PersistentMap.fromRecord<unknown>(record);
    expect(canonicalJson({ m })).toBe(canonicalJson({ m: record }));
    expect(stateHash({ m })).toBe(stateHash({ m: record }));
    expect(JSON.stringify(PersistentMap.fromRecord({ b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
    expect(canonicalJson(PersistentMap.empty())).toBe('{}');
  });

  test('behavior: a large map keeps every entry', () => {
    let m = PersistentMap.empty<number>();
    for (let i = 0; i < 20_000; i++) m = m.set(`u${i}`, i);
    for (let i = 0; i < 20_000; i += 2) m = m.delete(`u${i}`);
    expect(m.size).toBe(10_000);
    for (let i = 0; i < 20_000; i++) expect(m.get(`u${i}`)).toBe(i % 2 === 0 ? undefined : i);
  });
});

describe('PersistentMap.diff', () => {
  test('default: reports added, changed and removed keys only', () => {
    let before = PersistentMap.empty<bigint>();
    for (let i = 0; i < 1_000; i++) before = before.set(`a${i}`, BigInt(i));
    const after = before.set('a1', 100n).delete('a2').set('new', 7n).set('a3', 3n);
    const seen: [string, bigint | undefined, bigint | undefined][] = [];
    PersistentMap.diff(before, after, (k, was, now) => seen.push([k, was, now]));
    expect(seen.sort((p, q) => (p[0] < q[0] ? -1 : 1))).toEqual([
      ['a1', 1n, 100n],
      ['a2', 2n, undefined],
      ['new', undefined, 7n],
    ]);
  });

  test('behavior: nothing for the same map, everything against the empty one', () => {
    const m = PersistentMap.fromEntries([
      ['x', 1],
      ['y', 2],
    ]);
    let calls = 0;
    PersistentMap.diff(m, m, () => {
      calls += 1;
    });
    expect(calls).toBe(0);
    const seen: string[] = [];
    PersistentMap.diff(m, PersistentMap.empty(), (k, _was, now) => {
      expect(now).toBeUndefined();
      seen.push(k);
    });
    expect(seen.sort()).toEqual(['x', 'y']);
  });
});
