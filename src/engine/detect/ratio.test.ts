/**
 * Tests of the correctly rounded bigint ratio: values checked against JavaScript's own division of
 * exactly representable integers (IEEE 754 division is correctly rounded), exact powers of two,
 * ties, and the clamped extremes.
 */
import { describe, expect, test } from 'vitest';
import { bitLength, ratioToDouble } from './ratio.js';

describe('bitLength', () => {
  test('default', () => {
    expect(bitLength(0n)).toBe(0);
    expect(bitLength(1n)).toBe(1);
    expect(bitLength(255n)).toBe(8);
    expect(bitLength(256n)).toBe(9);
    expect(bitLength(2n ** 100n)).toBe(101);
    expect(bitLength(2n ** 100n - 1n)).toBe(100);
  });

  test('error: a negative value breaks an invariant', () => {
    expect(() => bitLength(-1n)).toThrow(Error);
  });
});

describe('ratioToDouble', () => {
  test('default', () => {
    expect(ratioToDouble(1n, 3n)).toBe(1 / 3);
    expect(ratioToDouble(2n, 3n)).toBe(2 / 3);
    expect(ratioToDouble(0n, 7n)).toBe(0);
    expect(ratioToDouble(10n, 4n)).toBe(2.5);
  });

  test('behavior: equals IEEE division of exactly representable integers', () => {
    const values = [
      1n,
      3n,
      7n,
      10n,
      12345n,
      99_990_000n,
      2n ** 52n + 1n,
      2n ** 53n - 1n,
      9_007_199_254_740_881n,
    ];
    for (const n of values) {
      for (const d of values) expect(ratioToDouble(n, d)).toBe(Number(n) / Number(d));
    }
  });

  test('behavior: rounds a bigint past 2^53 to nearest, ties to even', () => {
    // 2^53 + 1 is a tie between 2^53 and 2^53 + 2: even mantissa wins, 2^53.
    expect(ratioToDouble(2n ** 53n + 1n, 1n)).toBe(2 ** 53);
    // 2^53 + 3 is a tie between 2^53 + 2 and 2^53 + 4: 2^53 + 4 has the even mantissa.
    expect(ratioToDouble(2n ** 53n + 3n, 1n)).toBe(2 ** 53 + 4);
    // Just above a tie rounds up: (3·2^54 + 7) / 6 = 2^53 + 7/6, past the midpoint 2^53 + 1.
    expect(ratioToDouble(3n * 2n ** 54n + 7n, 6n)).toBe(2 ** 53 + 2);
  });

  test('behavior: huge operands with a representable ratio come back exactly', () => {
    const big = 10n ** 60n + 12_345n;
    expect(ratioToDouble(big * 3n, big * 4n)).toBe(0.75);
    expect(ratioToDouble(big * 2n ** 40n, big)).toBe(2 ** 40);
  });

  test('behavior: ratios beyond 2^±1000 clamp to 0 and Infinity, keeping order', () => {
    expect(ratioToDouble(1n, 2n ** 1100n)).toBe(0);
    expect(ratioToDouble(2n ** 1100n, 1n)).toBe(Number.POSITIVE_INFINITY);
    expect(ratioToDouble(1n, 2n ** 990n)).toBe(2 ** -990);
    expect(ratioToDouble(2n ** 990n, 1n)).toBe(2 ** 990);
  });

  test('error: a zero denominator breaks an invariant', () => {
    expect(() => ratioToDouble(1n, 0n)).toThrow(Error);
  });
});
