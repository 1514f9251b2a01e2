/**
 * Tests of the liquidation-price ladder against brute force over the same entries: order, strict
 * boundaries (an account exactly at the price ratio is healthy), ties in the float keys decided by
 * the bigints, block splits and removals, and bulk loading.
 */
import { describe, expect, test } from 'vitest';
import { LADDER_BLOCK_CAPACITY, LiquidationLadder } from './ladder.js';

/** Coefficient arrays and a ladder over them; entry `slot` has threshold ratio debt/collateral. */
function setup(ratios: readonly (readonly [bigint, bigint])[]) {
  const debtCoef = ratios.map(([b]) => b);
  const collateralCoef = ratios.map(([, a]) => a);
  const coefficients = {
    collateralCoef: (slot: number) => collateralCoef[slot] as bigint,
    debtCoef: (slot: number) => debtCoef[slot] as bigint,
  };
  return { ladder: new LiquidationLadder(0, 1, coefficients), debtCoef, collateralCoef };
}

/** Brute force: slots whose ratio B/A is > q = qNum/qDen, sorted by slot. */
function above(ratios: readonly (readonly [bigint, bigint])[], qNum: bigint, qDen: bigint): number[] {
  return ratios.flatMap(([b, a], slot) => (b * qDen > qNum * a ? [slot] : [])).sort((x, y) => x - y);
}

/** A deterministic pseudo-random sequence (LCG) for shuffles and values in tests. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('LiquidationLadder', () => {
  test('default', () => {
    // Ratios 3/2, 1/1, 5/4, 2/1 → sorted 1, 5/4, 3/2, 2: slots 1, 2, 0, 3.
    const ratios = [
      [3n, 2n],
      [1n, 1n],
      [5n, 4n],
      [2n, 1n],
    ] as const;
    const { ladder } = setup(ratios);
    for (let slot = 0; slot < ratios.length; slot++) ladder.insert(slot);
    expect(ladder.slotsInOrder()).toEqual([1, 2, 0, 3]);
    expect(ladder.size).toBe(4);
  });

  test('behavior: an account exactly at the price ratio is not above it (strict)', () => {
    const ratios = [
      [3n, 2n],
      [1n, 1n],
      [5n, 4n],
    ] as const;
    const { ladder } = setup(ratios);
    for (let slot = 0; slot < ratios.length; slot++) ladder.insert(slot);
    const seen: number[] = [];
    // q = 5/4: only 3/2 is strictly above.
    ladder.forEachAbove(5n, 4n, (s) => seen.push(s));
    expect(seen).toEqual([0]);
    // q = 10/8 is the same ratio written differently.
    const again: number[] = [];
    ladder.forEachAbove(10n, 8n, (s) => again.push(s));
    expect(again).toEqual([0]);
  });

  test('behavior: equal float keys are ordered and queried by the exact ratio', () => {
    // (2^60 + 1)/2^60 and (2^60 + 2)/2^60 both round to the double 1.
    const big = 2n ** 60n;
    const ratios = [
      [big + 2n, big],
      [big + 1n, big],
      [1n, 1n],
      [big - 1n, big],
    ] as const;
    const { ladder } = setup(ratios);
    for (const slot of [0, 1, 2, 3]) ladder.insert(slot);
    expect(ladder.slotsInOrder()).toEqual([3, 2, 1, 0]);
    const seen: number[] = [];
    // q = 1 exactly: (2^60 + 1)/2^60 and (2^60 + 2)/2^60 are above, 1 and (2^60 − 1)/2^60 are not.
    ladder.forEachAbove(1n, 1n, (s) => seen.push(s));
    expect(seen.sort()).toEqual([0, 1]);
    const between: number[] = [];
    // (1, (2^60 + 1)/2^60]: only slot 1.
    ladder.forEachBetweenRatios({ lowNum: 1n, lowDen: 1n, highNum: big + 1n, highDen: big }, (s) =>
      between.push(s),
    );
    expect(between).toEqual([1]);
  });

  test('behavior: identical ratios are tied by slot and all found', () => {
    const ratios = Array.from({ length: 50 }, () => [7n, 3n] as const);
    const { ladder } = setup(ratios);
    for (let slot = 49; slot >= 0; slot--) ladder.insert(slot);
    expect(ladder.slotsInOrder()).toEqual(Array.from({ length: 50 }, (_, i) => i));
    let count = 0;
    ladder.forEachAbove(2n, 1n, () => {
      count += 1;
    });
    expect(count).toBe(50);
    ladder.remove(17);
    expect(ladder.slotsInOrder()).not.toContain(17);
    expect(ladder.size).toBe(49);
  });

  test('behavior: many inserts split blocks; queries and removals match brute force', () => {
    const next = lcg(1);
    const n = 5 * LADDER_BLOCK_CAPACITY;
    const ratios = Array.from({ length: n }, () => {
      const a = BigInt(1 + Math.floor(next() * 1_000_000));
      return [BigInt(1 + Math.floor(next() * 2_000_000)), a] as const;
    });
    const { ladder } = setup(ratios);
    const order = Array.from({ length: n }, (_, i) => i).sort(() => next() - 0.5);
    for (const slot of order) ladder.insert(slot);
    expect(ladder.blockCount).toBeGreaterThan(4);
    const sorted = ladder.slotsInOrder();
    for (let i = 1; i < sorted.length; i++) {
      const [b0, a0] = ratios[sorted[i - 1] as number] as readonly [bigint, bigint];
      const [b1, a1] = ratios[sorted[i] as number] as readonly [bigint, bigint];
      expect(b0 * a1 <= b1 * a0).toBe(true);
    }
    for (const [qNum, qDen] of [
      [1n, 1n],
      [3n, 2n],
      [1n, 3n],
      [1_999_999n, 1n],
    ] as const) {
      const seen: number[] = [];
      ladder.forEachAbove(qNum, qDen, (s) => seen.push(s));
      expect(seen.sort((x, y) => x - y)).toEqual(above(ratios, qNum, qDen));
    }
    // Remove every other slot (including whole blocks' worth), then query again.
    const removed = new Set<number>();
    for (let slot = 0; slot < n; slot += 2) {
      ladder.remove(slot);
      removed.add(slot);
    }
    expect(ladder.size).toBe(n / 2);
    const seen: number[] = [];
    ladder.forEachBetweenRatios({ lowNum: 1n, lowDen: 2n, highNum: 2n, highDen: 1n }, (s) => seen.push(s));
    const aboveHigh = new Set(above(ratios, 2n, 1n));
    const expected = above(ratios, 1n, 2n).filter((s) => !removed.has(s) && !aboveHigh.has(s));
    expect(seen.sort((x, y) => x - y)).toEqual(expected);
  });

  test('behavior: bulk loading gives the order of one-by-one inserts', () => {
    const next = lcg(2);
    const ratios = Array.from(
      { length: 3_000 },
      () => [BigInt(1 + Math.floor(next() * 100)), BigInt(1 + Math.floor(next() * 100))] as const,
    );
    const one = setup(ratios).ladder;
    for (let slot = 0; slot < ratios.length; slot++) one.insert(slot);
    const bulk = setup(ratios).ladder;
    bulk.bulkLoad(Array.from({ length: ratios.length }, (_, i) => i));
    expect(bulk.slotsInOrder()).toEqual(one.slotsInOrder());
    // The bulk-loaded ladder takes further updates like the other.
    bulk.remove(5);
    one.remove(5);
    expect(bulk.slotsInOrder()).toEqual(one.slotsInOrder());
  });

  test('behavior: forEachWithStatus splits the ladder at the price ratio', () => {
    const ratios = [
      [1n, 1n],
      [3n, 1n],
      [2n, 1n],
    ] as const;
    const { ladder } = setup(ratios);
    for (let slot = 0; slot < 3; slot++) ladder.insert(slot);
    const status: [number, boolean][] = [];
    ladder.forEachWithStatus(2n, 1n, (slot, isAbove) => status.push([slot, isAbove]));
    expect(status).toEqual([
      [0, false],
      [2, false],
      [1, true],
    ]);
  });

  test('error: removing a slot that is not in the ladder breaks an invariant', () => {
    const { ladder } = setup([
      [1n, 1n],
      [2n, 1n],
    ]);
    ladder.insert(0);
    expect(() => ladder.remove(1)).toThrow(Error);
  });
});
