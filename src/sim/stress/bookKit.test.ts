/**
 * Tests of the shared book-opening pieces of the lending-style stress adapters, with expectations
 * worked out by hand: float → units (floor), the clamp tolerance option and rule, price lookup,
 * USD debt → token units, token decimals, the deposit/borrow commands and the skip tally.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidParameterError } from '../../engine/errors.js';
import {
  bookTokenDecimals,
  countSkipsByReason,
  DEFAULT_CLAMP_TOLERANCE_BPS,
  depositBorrowCommands,
  floatToUnits,
  readClampToleranceBps,
  requireBookPrice,
  usdToDebtUnits,
  withinClampTolerance,
} from './bookKit.js';

describe('floatToUnits', () => {
  test('default: whole and fractional amounts scale exactly', () => {
    expect(floatToUnits(1.5, 6)).toBe(1_500_000n);
    expect(floatToUnits(0, 18)).toBe(0n);
    expect(floatToUnits(12, 0)).toBe(12n);
    // 0.1 prints as "0.1": exactly 10^17 wei, not the binary double's 0.1000000000000000055...
    expect(floatToUnits(0.1, 18)).toBe(10n ** 17n);
  });

  test('behavior: digits below the scale are floored', () => {
    // 1.2345678 USDC = 1,234,567.8 units → 1,234,567.
    expect(floatToUnits(1.2345678, 6)).toBe(1_234_567n);
    // 0.999 at 2 decimals = 99.9 → 99.
    expect(floatToUnits(0.999, 2)).toBe(99n);
  });

  test('behavior: exponent notation is read', () => {
    // String(1e21) is "1e+21"; String(1.5e-7) is "1.5e-7".
    expect(floatToUnits(1e21, 0)).toBe(10n ** 21n);
    expect(floatToUnits(1.5e-7, 8)).toBe(15n);
    expect(floatToUnits(1.5e-7, 7)).toBe(1n);
  });

  test('error: a negative or non-finite amount is an invariant failure', () => {
    expect(() => floatToUnits(-1, 6)).toThrow(/invariant/);
    expect(() => floatToUnits(Number.NaN, 6)).toThrow(/invariant/);
    expect(() => floatToUnits(Number.POSITIVE_INFINITY, 6)).toThrow(/invariant/);
  });

  test('property: the exact decimal String(x) prints, scaled and floored, for any double ≥ 0', () => {
    // The reference reads the printed decimal with a regular expression and exact integer math.
    const reference = (x: number, decimals: number): bigint => {
      const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x)) as RegExpExecArray;
      const fraction = m[2] ?? '';
      const mantissa = BigInt((m[1] ?? '0') + fraction);
      const shift = Number(m[3] ?? '0') - fraction.length + decimals;
      return shift >= 0 ? mantissa * 10n ** BigInt(shift) : mantissa / 10n ** BigInt(-shift);
    };
    let exponents = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: 0, max: 1e9, noNaN: true }),
          fc.integer({ min: 0, max: 2 ** 53 - 1 }),
        ),
        fc.integer({ min: 0, max: 36 }),
        (x, decimals) => {
          if (String(x).includes('e')) exponents += 1;
          expect(floatToUnits(x, decimals)).toBe(reference(x, decimals));
        },
      ),
      { numRuns: 3_000 },
    );
    expect(exponents).toBeGreaterThan(100);
  });
});

describe('readClampToleranceBps', () => {
  test('default: absent is 1 bp', () => {
    expect(DEFAULT_CLAMP_TOLERANCE_BPS).toBe(1);
    expect(readClampToleranceBps(undefined)).toBe(1n);
  });

  test('behavior: the bounds 0 and 10000 are accepted', () => {
    expect(readClampToleranceBps(0)).toBe(0n);
    expect(readClampToleranceBps(10_000)).toBe(10_000n);
  });

  test('error: out of range or fractional values name the option', () => {
    expect(() => readClampToleranceBps(-1)).toThrow(InvalidParameterError);
    expect(() => readClampToleranceBps(10_001)).toThrow(InvalidParameterError);
    expect(() => readClampToleranceBps(0.5)).toThrow(/clampToleranceBps/);
  });
});

describe('withinClampTolerance', () => {
  test('default: 1 bp above the limit is within a 1 bp tolerance', () => {
    // limit 10,000 × 1.0001 = 10,001.
    expect(withinClampTolerance(10_001n, 10_000n, 1n)).toBe(true);
    expect(withinClampTolerance(10_002n, 10_000n, 1n)).toBe(false);
  });

  test('behavior: with 0 bp only the limit itself passes; a 0 limit takes only 0', () => {
    expect(withinClampTolerance(10_000n, 10_000n, 0n)).toBe(true);
    expect(withinClampTolerance(10_001n, 10_000n, 0n)).toBe(false);
    expect(withinClampTolerance(1n, 0n, 10_000n)).toBe(false);
  });
});

describe('requireBookPrice', () => {
  const prices = { USDC: { price: 100_000_000n, priceDecimals: 8 }, BAD: { price: 0n, priceDecimals: 8 } };

  test('default: a listed price is returned', () => {
    expect(requireBookPrice(prices, 'USDC')).toEqual({ price: 100_000_000n, priceDecimals: 8 });
  });

  test('error: a missing, inherited or zero price names prices.<asset>', () => {
    expect(() => requireBookPrice(prices, 'WETH')).toThrow(InvalidParameterError);
    expect(() => requireBookPrice(prices, 'toString')).toThrow(/prices\.toString/);
    expect(() => requireBookPrice(prices, 'BAD')).toThrow(/prices\.BAD/);
  });
});

describe('usdToDebtUnits', () => {
  test('default: USDC at $1 (1e8, 8 decimals) is the USD × 1e6', () => {
    // $1,234.56 → 123,456,000,000 (1e8) × 1e14 / (1e8 × 1e8) = 1,234,560,000 units.
    expect(usdToDebtUnits(1234.56, 6, { price: 100_000_000n, priceDecimals: 8 })).toBe(1_234_560_000n);
  });

  test('behavior: a price above $1 gives fewer tokens, floored', () => {
    // $100 at $1.01: 1e10 × 1e14 / (1e8 × 101,000,000) = 99,009,900.99… → 99,009,900.
    expect(usdToDebtUnits(100, 6, { price: 101_000_000n, priceDecimals: 8 })).toBe(99_009_900n);
    // Sub-1e-8 USD is dropped first: $0.000000019 → 1 (1e8) → 0.01 unit → 0.
    expect(usdToDebtUnits(0.000000019, 6, { price: 100_000_000n, priceDecimals: 8 })).toBe(0n);
  });
});

describe('bookTokenDecimals', () => {
  test('default: an unknown asset has 18 decimals', () => {
    expect(bookTokenDecimals('WETH')).toBe(18);
    expect(bookTokenDecimals('ETH')).toBe(18);
  });

  test('behavior: USDC and USDT have 6, WBTC 8', () => {
    expect(bookTokenDecimals('USDC')).toBe(6);
    expect(bookTokenDecimals('USDT')).toBe(6);
    expect(bookTokenDecimals('WBTC')).toBe(8);
  });
});

describe('depositBorrowCommands', () => {
  test('default: one deposit per line in order, then the borrow', () => {
    const collateral = [
      { asset: 'WETH', amount: 5n },
      { asset: 'WBTC', amount: 7n },
    ];
    expect(depositBorrowCommands('a1', collateral, 9n)).toEqual([
      { type: 'deposit', account: 'a1', asset: 'WETH', amount: 5n },
      { type: 'deposit', account: 'a1', asset: 'WBTC', amount: 7n },
      { type: 'borrow', account: 'a1', amount: 9n },
    ]);
  });

  test('behavior: no borrow for zero debt; the input is not changed', () => {
    const collateral = Object.freeze([Object.freeze({ asset: 'WETH', amount: 5n })]);
    expect(depositBorrowCommands('a2', collateral, 0n)).toEqual([
      { type: 'deposit', account: 'a2', asset: 'WETH', amount: 5n },
    ]);
    expect(collateral).toEqual([{ asset: 'WETH', amount: 5n }]);
  });
});

describe('countSkipsByReason', () => {
  test('default: every reason is present at 0 for no skips', () => {
    expect(countSkipsByReason([])).toEqual({
      dust: 0,
      'collateral-ratio': 0,
      'unsupported-collateral': 0,
      'zero-collateral': 0,
      ceiling: 0,
      'supply-cap': 0,
    });
  });

  test('behavior: skips are counted by reason', () => {
    const counts = countSkipsByReason([
      { bookId: 'a', reason: 'dust', detail: '' },
      { bookId: 'b', reason: 'collateral-ratio', detail: '' },
      { bookId: 'c', reason: 'dust', detail: '' },
    ]);
    expect(counts.dust).toBe(2);
    expect(counts['collateral-ratio']).toBe(1);
    expect(counts['supply-cap']).toBe(0);
  });
});
