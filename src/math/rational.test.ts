/** Exact fractions: reduction, arithmetic, rounding, text form, strict parsing and the nearest double. */
import { describe, expect, test } from 'vitest';
import { DivisionByZeroError } from './errors.js';
import { Rounding } from './mulDiv.js';
import {
  formatRational,
  parseRational,
  RAT_ONE,
  RAT_ZERO,
  RationalParseError,
  ratAdd,
  ratClamp,
  ratCmp,
  ratDiv,
  rational,
  rationalToNumber,
  ratMul,
  ratMulPpm,
  ratSub,
  roundRational,
} from './rational.js';

describe('rational', () => {
  test('default: lowest terms with a positive denominator', () => {
    expect(rational(6n, -4n)).toEqual({ num: -3n, den: 2n });
    expect(rational(-6n, -4n)).toEqual({ num: 3n, den: 2n });
    expect(rational(0n, -7n)).toEqual({ num: 0n, den: 1n });
    expect(rational(5n)).toEqual({ num: 5n, den: 1n });
    expect(RAT_ZERO).toEqual(rational(0n));
    expect(RAT_ONE).toEqual(rational(3n, 3n));
  });
  test('error: a zero denominator', () => {
    expect(() => rational(1n, 0n)).toThrow(DivisionByZeroError);
  });
});

describe('ratAdd', () => {
  test('default: add, sub, mul, div are exact', () => {
    const third = rational(1n, 3n);
    const sixth = rational(1n, 6n);
    expect(ratAdd(third, sixth)).toEqual(rational(1n, 2n));
    expect(ratSub(sixth, third)).toEqual(rational(-1n, 6n));
    expect(ratMul(third, sixth)).toEqual(rational(1n, 18n));
    expect(ratDiv(third, sixth)).toEqual(rational(2n));
    expect(ratDiv(rational(-1n, 2n), rational(-1n, 4n))).toEqual(rational(2n));
  });
  test('error: dividing by zero names the operation', () => {
    expect(() => ratDiv(RAT_ONE, RAT_ZERO)).toThrow(DivisionByZeroError);
    expect(() => ratDiv(RAT_ONE, RAT_ZERO, 'quo')).toThrow(/quo divides by zero/);
  });
});

describe('ratCmp', () => {
  test('default: orders by value, not by representation', () => {
    expect(ratCmp(rational(1n, 3n), rational(1n, 6n))).toBe(1);
    expect(ratCmp(rational(-1n, 2n), rational(-1n, 3n))).toBe(-1);
    expect(ratCmp(rational(2n, 6n), rational(1n, 3n))).toBe(0);
  });
  test('behavior: clamp keeps values inside [lo, hi]', () => {
    expect(ratClamp(rational(3n, 2n), RAT_ZERO, RAT_ONE)).toEqual(RAT_ONE);
    expect(ratClamp(rational(-1n, 9n), RAT_ZERO, RAT_ONE)).toEqual(RAT_ZERO);
    expect(ratClamp(rational(1n, 9n), RAT_ZERO, RAT_ONE)).toEqual(rational(1n, 9n));
  });
});

describe('ratMulPpm', () => {
  test('default: scales by parts per million exactly', () => {
    // 3/4 · 250000 / 1e6 = 3/16.
    expect(ratMulPpm(rational(3n, 4n), 250_000n)).toEqual(rational(3n, 16n));
    expect(ratMulPpm(rational(7n), 1_000_000n)).toEqual(rational(7n));
  });
});

describe('roundRational', () => {
  test('default: Down is floor, Up is ceil, HalfUp ties away from zero', () => {
    expect(roundRational(rational(7n, 2n), Rounding.Down)).toBe(3n);
    expect(roundRational(rational(7n, 2n), Rounding.Up)).toBe(4n);
    expect(roundRational(rational(-7n, 2n), Rounding.Down)).toBe(-4n);
    expect(roundRational(rational(-7n, 2n), Rounding.Up)).toBe(-3n);
    expect(roundRational(rational(7n, 2n), Rounding.HalfUp)).toBe(4n);
    expect(roundRational(rational(-7n, 2n), Rounding.HalfUp)).toBe(-4n);
    expect(roundRational(rational(6n), Rounding.Up)).toBe(6n);
  });
});

describe('parseRational', () => {
  test('default: fractions and integers round-trip through formatRational', () => {
    expect(formatRational(rational(8750n))).toBe('8750/1');
    expect(parseRational('-10/4')).toEqual(rational(-5n, 2n));
    expect(parseRational('6/-4')).toEqual(rational(-3n, 2n));
    expect(parseRational('100000')).toEqual(rational(100_000n));
    expect(parseRational(40)).toEqual(rational(40n));
    expect(parseRational(-3n)).toEqual(rational(-3n));
    expect(parseRational(formatRational(rational(49_999n, 100n)))).toEqual({ num: 49_999n, den: 100n });
  });
  test('behavior: decimals only when allowed', () => {
    expect(parseRational('0.0125', { allowDecimal: true })).toEqual(rational(1n, 80n));
    expect(parseRational('-1.5', { allowDecimal: true })).toEqual(rational(-3n, 2n));
    expect(() => parseRational('0.0125')).toThrow(RationalParseError);
  });
  test('error: malformed text, zero denominators and non-integer numbers', () => {
    for (const bad of ['1/0', 'abc', '1e5', '', ' 1/2', '+1', '1.', 1.5, Number.NaN, 2 ** 60]) {
      expect(() => parseRational(bad, { allowDecimal: true })).toThrow(RationalParseError);
    }
  });
});

describe('rationalToNumber', () => {
  test('default: small operands divide as doubles', () => {
    expect(rationalToNumber(rational(1n, 4n))).toBe(0.25);
    expect(rationalToNumber(rational(-7_200_000n, 79n))).toBe(-7_200_000 / 79);
  });
  test('behavior: large operands round to nearest, ties to even', () => {
    const two53 = 2n ** 53n;
    expect(rationalToNumber(rational(two53 + 1n))).toBe(2 ** 53); // halfway → even mantissa
    expect(rationalToNumber(rational(two53 + 3n))).toBe(2 ** 53 + 4); // halfway → even mantissa
    expect(rationalToNumber(rational(-(two53 + 3n)))).toBe(-(2 ** 53 + 4));
    expect(rationalToNumber(rational(two53 + 3n, 2n))).toBe(2 ** 52 + 2); // 2^52 + 1.5 → even
    // 3e20 = 3·2^20·5^20 is an exact double, so one IEEE division of exact operands is nearest.
    expect(rationalToNumber(rational(1n, 3n * 10n ** 20n))).toBe(1 / 3e20);
    expect(rationalToNumber(rational(10n ** 30n + 1n, 10n ** 12n))).toBe(1e18);
  });
});
