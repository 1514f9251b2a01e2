/**
 * Table tests for divRound, mulDiv and divSigned. Every expected value is worked out by hand in the
 * comment beside it (a fraction and how it rounds), never taken from the implementation's output.
 */
import { describe, expect, test } from 'vitest';
import { DivisionByZeroError, NegativeValueError, OverflowError } from './errors.js';
import {
  divRound,
  divSigned,
  max,
  min,
  mulDiv,
  mulDivDown,
  mulDivUp,
  Rounding,
  requireUint256,
  requireUnsigned,
} from './mulDiv.js';
import { MAX_UINT256 } from './units.js';

const { Down, Up, HalfUp } = Rounding;

describe('divRound', () => {
  // [numerator, denominator, Down, Up, HalfUp]
  const table: readonly [bigint, bigint, bigint, bigint, bigint][] = [
    [7n, 2n, 3n, 4n, 4n], // 3.5: a tie, HalfUp goes up
    [5n, 3n, 1n, 2n, 2n], // 1.67
    [4n, 3n, 1n, 2n, 1n], // 1.33
    [6n, 3n, 2n, 2n, 2n], // exact
    [0n, 5n, 0n, 0n, 0n], // zero
    [1n, 2n, 0n, 1n, 1n], // 0.5: tie up
    [1n, 3n, 0n, 1n, 0n], // 0.33
    [2n, 3n, 0n, 1n, 1n], // 0.67
    [49n, 100n, 0n, 1n, 0n], // 0.49
    [50n, 100n, 0n, 1n, 1n], // 0.50
    [MAX_UINT256, 1n, MAX_UINT256, MAX_UINT256, MAX_UINT256],
    [MAX_UINT256, 2n, 2n ** 255n - 1n, 2n ** 255n, 2n ** 255n], // (2^256 − 1)/2 = 2^255 − 0.5
  ];

  test('default', () => {
    for (const [n, d, down, up, halfUp] of table) {
      expect(divRound(n, d, Down)).toBe(down);
      expect(divRound(n, d, Up)).toBe(up);
      expect(divRound(n, d, HalfUp)).toBe(halfUp);
    }
  });

  test('behavior: numerators above uint256 are fine (no width limit on divRound)', () => {
    expect(divRound(2n ** 300n + 1n, 2n ** 44n, Down)).toBe(2n ** 256n);
    expect(divRound(2n ** 300n + 1n, 2n ** 44n, Up)).toBe(2n ** 256n + 1n);
  });

  test('error: division by zero throws DivisionByZeroError', () => {
    expect(() => divRound(1n, 0n, Down)).toThrow(DivisionByZeroError);
    expect(() => divRound(0n, 0n, HalfUp)).toThrow(DivisionByZeroError);
  });

  test('error: a negative operand throws NegativeValueError', () => {
    expect(() => divRound(-1n, 2n, Down)).toThrow(NegativeValueError);
    expect(() => divRound(1n, -2n, Up)).toThrow(NegativeValueError);
  });

  test('error: an unknown rounding from an untyped caller is a broken invariant', () => {
    expect(() => divRound(1n, 3n, 'Sideways' as Rounding)).toThrow(/unknown rounding/);
  });
});

describe('mulDiv', () => {
  test('default', () => {
    // 3·5/2 = 7.5
    expect(mulDiv(3n, 5n, 2n, Down)).toBe(7n);
    expect(mulDiv(3n, 5n, 2n, Up)).toBe(8n);
    expect(mulDiv(3n, 5n, 2n, HalfUp)).toBe(8n);
    // 10·10/3 = 33.33
    expect(mulDiv(10n, 10n, 3n, Down)).toBe(33n);
    expect(mulDiv(10n, 10n, 3n, Up)).toBe(34n);
    expect(mulDiv(10n, 10n, 3n, HalfUp)).toBe(33n);
    // 1.5 WAD × 3 / 4 = 1.125 WAD exactly
    expect(mulDiv(1_500_000_000_000_000_000n, 3n, 4n, Up)).toBe(1_125_000_000_000_000_000n);
  });

  test('behavior: the product may exceed uint256 (512-bit mulDiv semantics)', () => {
    // MAX·MAX/MAX = MAX exactly, although MAX·MAX needs 512 bits.
    for (const r of [Down, Up, HalfUp])
      expect(mulDiv(MAX_UINT256, MAX_UINT256, MAX_UINT256, r)).toBe(MAX_UINT256);
    expect(mulDiv(2n ** 255n, 2n ** 200n, 2n ** 200n, Down)).toBe(2n ** 255n);
  });

  test('behavior: a quotient just inside uint256 for Down overflows for Up and HalfUp', () => {
    // 2^257 − 1 = 535006138814359 × q (a known factor of the Mersenne number M257), so
    // x·y/2 = (2^257 − 1)/2 = MAX + 0.5: Down is MAX, Up and HalfUp (a tie) are MAX + 1.
    const x = 535006138814359n;
    const y = 432862656469423142931042426214547535783388063929571229938474969n;
    expect(x * y).toBe(2n ** 257n - 1n);
    expect(mulDiv(x, y, 2n, Down)).toBe(MAX_UINT256);
    expect(() => mulDiv(x, y, 2n, Up)).toThrow(OverflowError);
    expect(() => mulDiv(x, y, 2n, HalfUp)).toThrow(OverflowError);
  });

  test('error: a quotient past 2^256 − 1 throws OverflowError', () => {
    expect(() => mulDiv(2n ** 255n, 2n, 1n, Down)).toThrow(OverflowError);
    expect(() => mulDiv(MAX_UINT256, MAX_UINT256, 1n, Down)).toThrow(OverflowError);
  });

  test('error: division by zero and negative operands', () => {
    expect(() => mulDiv(1n, 1n, 0n, Down)).toThrow(DivisionByZeroError);
    expect(() => mulDiv(-1n, 1n, 1n, Down)).toThrow(NegativeValueError);
    expect(() => mulDiv(1n, -1n, 1n, Down)).toThrow(NegativeValueError);
    expect(() => mulDiv(1n, 1n, -1n, Down)).toThrow(NegativeValueError);
    // Two negatives would make a positive product: still refused, as uint256 has no sign.
    expect(() => mulDiv(-2n, -3n, 1n, Down)).toThrow(NegativeValueError);
  });
});

describe('mulDivDown', () => {
  test('default', () => {
    expect(mulDivDown(3n, 5n, 2n)).toBe(7n);
    expect(mulDivDown(2n, 3n, 6n)).toBe(1n);
  });
});

describe('mulDivUp', () => {
  test('default', () => {
    expect(mulDivUp(3n, 5n, 2n)).toBe(8n);
    expect(mulDivUp(2n, 3n, 6n)).toBe(1n);
  });

  test('error: division by zero', () => {
    expect(() => mulDivUp(1n, 1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('divSigned', () => {
  // [numerator, denominator, Down (floor), Up (ceil), HalfUp (ties away from zero)]
  const table: readonly [bigint, bigint, bigint, bigint, bigint][] = [
    [7n, 2n, 3n, 4n, 4n], // 3.5
    [-7n, 2n, -4n, -3n, -4n], // −3.5: floor −4, ceil −3, tie away from zero −4
    [7n, -2n, -4n, -3n, -4n], // −3.5
    [-7n, -2n, 3n, 4n, 4n], // 3.5
    [-5n, 3n, -2n, -1n, -2n], // −1.67
    [-4n, 3n, -2n, -1n, -1n], // −1.33
    [-6n, 3n, -2n, -2n, -2n], // exact
    [-1n, 3n, -1n, 0n, 0n], // −0.33
    [0n, -3n, 0n, 0n, 0n],
  ];

  test('default', () => {
    for (const [n, d, down, up, halfUp] of table) {
      expect(divSigned(n, d, Down)).toBe(down);
      expect(divSigned(n, d, Up)).toBe(up);
      expect(divSigned(n, d, HalfUp)).toBe(halfUp);
    }
  });

  test('behavior: Down is floor, unlike Solidity signed division which truncates toward zero', () => {
    // −1/3 truncates to 0 in Solidity; floor is −1. A short position's loss rounds against it.
    expect(divSigned(-1n, 3n, Down)).toBe(-1n);
    expect(divSigned(-(2n ** 300n) - 1n, 2n ** 44n, Down)).toBe(-(2n ** 256n) - 1n);
  });

  test('error: division by zero throws DivisionByZeroError', () => {
    expect(() => divSigned(-1n, 0n, Down)).toThrow(DivisionByZeroError);
  });
});

describe('requireUnsigned', () => {
  test('default', () => {
    expect(() => requireUnsigned('op', 0n, 1n, MAX_UINT256)).not.toThrow();
  });

  test('error: any negative operand throws NegativeValueError', () => {
    expect(() => requireUnsigned('op', 1n, -1n)).toThrow(NegativeValueError);
  });
});

describe('requireUint256', () => {
  test('default', () => {
    expect(requireUint256('op', MAX_UINT256)).toBe(MAX_UINT256);
    expect(requireUint256('op', 0n)).toBe(0n);
  });

  test('error: 2^256 throws OverflowError', () => {
    expect(() => requireUint256('op', 2n ** 256n)).toThrow(OverflowError);
  });
});

describe('min', () => {
  test('default', () => {
    expect(min(1n, 2n)).toBe(1n);
    expect(min(2n, 1n)).toBe(1n);
    expect(min(-3n, 2n)).toBe(-3n);
  });
});

describe('max', () => {
  test('default', () => {
    expect(max(1n, 2n)).toBe(2n);
    expect(max(2n, 1n)).toBe(2n);
    expect(max(-3n, -2n)).toBe(-2n);
  });
});
