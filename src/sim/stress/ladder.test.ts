import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Ladder } from './ladder.js';

describe('Ladder', () => {
  test('default: range reads above a price, counts at or below it', () => {
    const l = new Ladder();
    l.insert(5n, 'a');
    l.insert(1n, 'b');
    l.insert(9n, 'c');
    l.insert(5n, 'd');
    const above: string[] = [];
    l.idsAbove(4n, above);
    expect(above).toEqual(['a', 'd', 'c']);
    expect(l.countAtMost(5n)).toBe(3);
    expect(l.countAtMost(0n)).toBe(0);
    expect(l.size).toBe(4);
    const between: string[] = [];
    l.forEachIn(1n, 5n, (id) => between.push(id));
    expect(between).toEqual(['a', 'd']);
  });

  test('behavior: delete removes one rung and refuses an absent one', () => {
    const l = Ladder.of([
      { key: 3n, id: 'x' },
      { key: 3n, id: 'y' },
    ]);
    expect(l.delete(3n, 'x')).toBe(true);
    expect(l.delete(3n, 'x')).toBe(false);
    expect(l.delete(4n, 'y')).toBe(false);
    const ids: string[] = [];
    l.idsAbove(0n, ids);
    expect(ids).toEqual(['y']);
    expect(l.size).toBe(1);
  });

  test('behavior: agrees with a sorted list through many inserts and deletes (blocks split)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            add: fc.boolean(),
            key: fc.bigInt({ min: 0n, max: 300n }),
            id: fc.nat({ max: 2_000 }),
          }),
          { maxLength: 3_000 },
        ),
        fc.bigInt({ min: -1n, max: 301n }),
        fc.bigInt({ min: -1n, max: 301n }),
        (ops, p, q) => {
          const ladder = new Ladder();
          const model = new Map<string, bigint>();
          for (const o of ops) {
            const id = `i${o.id}`;
            const had = model.get(id);
            if (had !== undefined) {
              expect(ladder.delete(had, id)).toBe(true);
              model.delete(id);
            }
            if (o.add) {
              ladder.insert(o.key, id);
              model.set(id, o.key);
            }
          }
          const [lo, hi] = p < q ? [p, q] : [q, p];
          const entries = [...model.entries()];
          const above: string[] = [];
          ladder.idsAbove(lo, above);
          expect(above.sort()).toEqual(
            entries
              .filter(([, k]) => k > lo)
              .map(([id]) => id)
              .sort(),
          );
          expect(ladder.countAtMost(hi)).toBe(entries.filter(([, k]) => k <= hi).length);
          const between: string[] = [];
          ladder.forEachIn(lo, hi, (id, key) => {
            expect(model.get(id)).toBe(key);
            between.push(id);
          });
          expect(between.sort()).toEqual(
            entries
              .filter(([, k]) => k > lo && k <= hi)
              .map(([id]) => id)
              .sort(),
          );
          expect(ladder.size).toBe(model.size);
          expect(Ladder.of(entries.map(([id, key]) => ({ id, key }))).countAtMost(hi)).toBe(
            ladder.countAtMost(hi),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
