/** Exact rationals: reduction, parsing and the correctly rounded double. */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import { DivisionByZeroError } from '../../math/errors.js';
import {
  addR,
  cmpR,
  divR,
  formatRational,
  mulR,
  parseRational,
  rational,
  rationalToNumber,
  subR,
} from './rational.js';

describe('rational', () => {
  test('default: reduced with a positive denominator', () => {
    expect(rational(6n, -4n)).toEqual({ num: -3n, den: 2n });
    expect(rational(0n, 7n)).toEqual({ num: 0n, den: 1n });
    expect(formatRational(rational(8750n))).toBe('8750/1');
  });
  test('behavior: arithmetic and comparison', () => {
    const a = rational(1n, 3n);
    const b = rational(1n, 6n);
    expect(addR(a, b)).toEqual(rational(1n, 2n));
    expect(subR(b, a)).toEqual(rational(-1n, 6n));
    expect(mulR(a, b)).toEqual(rational(1n, 18n));
    expect(divR(a, b)).toEqual(rational(2n));
    expect(cmpR(a, b)).toBe(1);
    expect(cmpR(b, a)).toBe(-1);
    expect(cmpR(a, rational(2n, 6n))).toBe(0);
  });
  test('error: zero denominators', () => {
    expect(() => rational(1n, 0n)).toThrow(DivisionByZeroError);
    expect(() => divR(rational(1n), rational(0n))).toThrow(DivisionByZeroError);
  });
});

describe('parseRational', () => {
  test('default: fractions, integers, decimals', () => {
    expect(parseRational('1/80', 'x')).toEqual(rational(1n, 80n));
    expect(parseRational('-10/4', 'x')).toEqual(rational(-5n, 2n));
    expect(parseRational('100000', 'x')).toEqual(rational(100000n));
    expect(parseRational('0.0125', 'x')).toEqual(rational(1n, 80n));
    expect(parseRational('-1.5', 'x')).toEqual(rational(-3n, 2n));
    expect(parseRational(40, 'x')).toEqual(rational(40n));
  });
  test('error: names the field', () => {
    for (const bad of ['1/0', 'abc', '1e5', 1.5, null, '']) {
      try {
        parseRational(bad, 'inputs.k');
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidParameterError);
        expect((error as InvalidParameterError).field).toBe('inputs.k');
      }
    }
  });
});

describe('rationalToNumber', () => {
  test('default: small operands divide as doubles', () => {
    expect(rationalToNumber(rational(7200000n, 79n))).toBe(91139.24050632911);
    expect(rationalToNumber(rational(8800000n, 81n))).toBe(108641.97530864198);
  });
  test('behavior: large operands round to nearest, ties to even', () => {
    const two53 = 2n ** 53n;
    expect(rationalToNumber(rational(two53 + 1n))).toBe(2 ** 53); // tie → even
    expect(rationalToNumber(rational(two53 + 3n))).toBe(2 ** 53 + 4); // tie → even (…100)
    expect(rationalToNumber(rational(-(two53 + 3n)))).toBe(-(2 ** 53 + 4));
    expect(rationalToNumber(rational(2n ** 60n + 1n))).toBe(2 ** 60);
    // 3e20 = 3·2^20·5^20 is an exact double, so 1/3e20 is the correctly rounded value.
    expect(rationalToNumber(rational(1n, 3n * 10n ** 20n))).toBe(1 / 3e20);
    // 10^30 + 1 over 10^12: nearest double to 10^18 + 10^-12 is 1e18.
    expect(rationalToNumber(rational(10n ** 30n + 1n, 10n ** 12n))).toBe(1e18);
  });
});
