/**
 * Tests of the packed bigint limbs: counts and layouts checked against hand-written values, and
 * round trips of signed values of every size around the limb boundaries.
 */
import { describe, expect, test } from 'vitest';
import { limbCount, readLimbs, writeLimbs } from './limbs.js';

describe('writeLimbs', () => {
  test('default', () => {
    // 2^64 + 5 = limb 0: 5, limb 1: 1.
    const limbs = new BigUint64Array(4);
    expect(writeLimbs(limbs, 1, 2n ** 64n + 5n)).toBe(2);
    expect([...limbs]).toEqual([0n, 5n, 1n, 0n]);
  });

  test('behavior: the sign is the sign of the returned count; zero takes no limb', () => {
    const limbs = new BigUint64Array(2);
    expect(writeLimbs(limbs, 0, -(2n ** 64n - 1n))).toBe(-1);
    expect(limbs[0]).toBe(2n ** 64n - 1n);
    expect(writeLimbs(limbs, 1, 0n)).toBe(0);
    expect(limbs[1]).toBe(0n);
  });
});

describe('limbCount', () => {
  test('default', () => {
    expect(limbCount(0n)).toBe(0);
    expect(limbCount(1n)).toBe(1);
    expect(limbCount(2n ** 64n - 1n)).toBe(1);
    expect(limbCount(2n ** 64n)).toBe(2);
    expect(limbCount(-(2n ** 128n))).toBe(3);
  });
});

describe('readLimbs', () => {
  test('default', () => {
    // limbs 7, 3 (least significant first) = 3·2^64 + 7.
    expect(readLimbs(BigUint64Array.of(9n, 7n, 3n), 1, 2)).toBe(3n * 2n ** 64n + 7n);
    expect(readLimbs(BigUint64Array.of(7n, 3n), 0, -2)).toBe(-(3n * 2n ** 64n + 7n));
    expect(readLimbs(new BigUint64Array(0), 0, 0)).toBe(0n);
  });

  test('behavior: round trip of signed values around every limb boundary up to 2^320', () => {
    const limbs = new BigUint64Array(8);
    for (let bits = 0n; bits <= 320n; bits += 1n) {
      for (const x of [2n ** bits - 1n, 2n ** bits, 2n ** bits + 1n, 10n ** (bits / 4n) + bits]) {
        for (const v of [x, -x]) {
          const n = writeLimbs(limbs, 2, v);
          expect(Math.abs(n)).toBe(limbCount(v));
          expect(readLimbs(limbs, 2, n)).toBe(v);
        }
      }
    }
  });
});
