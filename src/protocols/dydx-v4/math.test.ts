/** Hand-derived tables for the dYdX v4 formulas of math.ts and the rationals of rational.ts. */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../engine/errors.js';
import { DivisionByZeroError } from '../../math/errors.js';
import {
  adjustedBankruptcyRating,
  bankruptcyPriceQuoteQuantums,
  baseToQuoteQuantums,
  bigIntMulPpm,
  bigIntRoundToMultiple,
  bigMulPpm,
  fillAmountToQuoteQuantums,
  fillablePrice,
  fillablePriceToSubticks,
  isLiquidatable,
  isValidInsuranceFundDelta,
  liquidatablePositionSizeDelta,
  liquidationInsuranceFundDelta,
  marginRequirements,
  positionNotionalBounds,
  quoteToBaseQuantums,
  remainingBlockLimit,
  requireReducingDelta,
} from './math.js';
import { formatRational, parseRational, ratAdd, ratCmp, ratDiv, rational, ratRound } from './rational.js';

describe('rational', () => {
  test('default: reduced with a positive denominator', () => {
    expect(rational(10n, -4n)).toEqual({ num: -5n, den: 2n });
    expect(formatRational(rational(0n, 7n))).toBe('0/1');
    expect(formatRational(ratAdd(rational(1n, 3n), rational(1n, 6n)))).toBe('1/2');
    expect(ratCmp(rational(-1n, 2n), rational(-1n, 3n))).toBe(-1);
  });
  test('behavior: rounding toward ±∞ and parsing', () => {
    expect(ratRound(rational(-7n, 2n), false)).toBe(-4n);
    expect(ratRound(rational(-7n, 2n), true)).toBe(-3n);
    expect(parseRational('49999/100', 'x')).toEqual({ num: 49999n, den: 100n });
    expect(parseRational('6/-4', 'x')).toEqual({ num: -3n, den: 2n });
  });
  test('error: zero denominators', () => {
    expect(() => rational(1n, 0n)).toThrow(DivisionByZeroError);
    expect(() => ratDiv(rational(1n), rational(0n))).toThrow(DivisionByZeroError);
  });
});

describe('baseToQuoteQuantums', () => {
  test('default: 0.1 BTC at $50,000 (atomic resolution −10, price exponent −5)', () => {
    // 1e9 base quantums · 5e9 · 10^(−5 −10 + 6) = 5e18 / 1e9 = 5e9 quote quantums = $5,000.
    expect(baseToQuoteQuantums(1_000_000_000n, -10, 5_000_000_000n, -5)).toBe(5_000_000_000n);
  });
  test('behavior: negative exponent truncates toward zero for shorts too', () => {
    // exponent 0 − 7 + 6 = −1: 3 · 7 / 10 = 2.1 → 2; −2.1 → −2 (not −3).
    expect(baseToQuoteQuantums(3n, -7, 7n, 0)).toBe(2n);
    expect(baseToQuoteQuantums(-3n, -7, 7n, 0)).toBe(-2n);
    expect(baseToQuoteQuantums(-3n, 6, 7n, 0)).toBe(-21n * 10n ** 12n); // exponent 12
  });
});

describe('quoteToBaseQuantums', () => {
  test('default: inverse conversion, magnitude rounded down', () => {
    expect(quoteToBaseQuantums(5_000_000_000n, -10, 5_000_000_000n, -5)).toBe(1_000_000_000n);
    // exponent 0 − 7 + 6 = −1: 22·10/7 = 31.4 → 31; sign kept.
    expect(quoteToBaseQuantums(22n, -7, 7n, 0)).toBe(31n);
    expect(quoteToBaseQuantums(-22n, -7, 7n, 0)).toBe(-31n);
  });
  test('error: zero price', () => {
    expect(() => quoteToBaseQuantums(1n, 0, 0n, 0)).toThrow(ProtocolRevertError);
  });
});

describe('ppm helpers', () => {
  test('default: floor and ceil', () => {
    expect(bigIntMulPpm(1_000_001n, 500_000n)).toBe(500_000n);
    expect(bigIntMulPpm(-3n, 500_000n)).toBe(-2n);
    expect(bigMulPpm(3n, 500_000n, true)).toBe(2n);
    expect(bigMulPpm(3n, 500_000n, false)).toBe(1n);
    expect(bigIntRoundToMultiple(17n, 5n, false)).toBe(15n);
    expect(bigIntRoundToMultiple(17n, 5n, true)).toBe(20n);
  });
  test('error: non-positive multiple', () => {
    expect(() => bigIntRoundToMultiple(1n, 0n, true)).toThrow(ProtocolRevertError);
  });
});

describe('marginRequirements', () => {
  test('default: IMR 5%, maintenance fraction 60% → MMR 3%', () => {
    expect(marginRequirements(10_000_000_000n, 50_000n, 600_000n)).toEqual({
      initialQuoteQuantums: 500_000_000n,
      maintenanceQuoteQuantums: 300_000_000n,
    });
  });
  test('behavior: both round up', () => {
    // 101 · 5% = 5.05 → 6; 6 · 60% = 3.6 → 4.
    expect(marginRequirements(101n, 50_000n, 600_000n)).toEqual({
      initialQuoteQuantums: 6n,
      maintenanceQuoteQuantums: 4n,
    });
  });
});

describe('isLiquidatable', () => {
  test('default: strict TNC < TMMR with TMMR > 0', () => {
    expect(isLiquidatable(499n, 500n)).toBe(true);
    expect(isLiquidatable(500n, 500n)).toBe(false);
    expect(isLiquidatable(-1n, 0n)).toBe(false);
  });
});

describe('fillablePrice', () => {
  test('default: TestGetFillablePrice "one long position slightly below MMR"', () => {
    const p = fillablePrice({
      pnnvQuoteQuantums: 5_000_000_000n,
      pmmrQuoteQuantums: 500_000_000n,
      tncQuoteQuantums: 499_000_000n,
      tmmrQuoteQuantums: 500_000_000n,
      positionBaseQuantums: 10_000_000n,
      bankruptcyAdjustmentPpm: 1_000_000n,
      spreadToMaintenanceMarginRatioPpm: 100_000n,
    });
    expect(formatRational(p)).toBe('49999/100');
  });
  test('behavior: ABR is clamped to [0, 1]', () => {
    expect(adjustedBankruptcyRating(0n, 10n, 3_000_000n)).toEqual({ num: 1n, den: 1n });
    expect(adjustedBankruptcyRating(20n, 10n, 1_000_000n)).toEqual({ num: 0n, den: 1n });
    expect(adjustedBankruptcyRating(9n, 10n, 1_500_000n)).toEqual({ num: 3n, den: 20n });
  });
  test('error: negative price, zero PS', () => {
    const base = {
      pnnvQuoteQuantums: 10n,
      pmmrQuoteQuantums: 1000n,
      tncQuoteQuantums: 0n,
      tmmrQuoteQuantums: 10n,
      positionBaseQuantums: 1n,
      bankruptcyAdjustmentPpm: 1_000_000n,
      spreadToMaintenanceMarginRatioPpm: 1_000_000n,
    };
    expect(() => fillablePrice(base)).toThrow(ProtocolRevertError);
    expect(() => fillablePrice({ ...base, pmmrQuoteQuantums: 1n, positionBaseQuantums: 0n })).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('bankruptcyPriceQuoteQuantums', () => {
  test('default: partially closing one long at bankruptcy (TNC 0)', () => {
    expect(
      bankruptcyPriceQuoteQuantums({
        dnnvQuoteQuantums: -2_500_000_000n,
        dmmrQuoteQuantums: -250_000_000n,
        tncQuoteQuantums: 0n,
        tmmrQuoteQuantums: 500_000_000n,
      }),
    ).toBe(2_500_000_000n);
  });
  test('behavior: floor of a positive share (TNC 10, |DMMR| 1, TMMR 3 → 3)', () => {
    expect(
      bankruptcyPriceQuoteQuantums({
        dnnvQuoteQuantums: -100n,
        dmmrQuoteQuantums: -1n,
        tncQuoteQuantums: 10n,
        tmmrQuoteQuantums: 3n,
      }),
    ).toBe(97n);
  });
  test('error: reducing-delta check', () => {
    expect(() => requireReducingDelta(10n, 11n)).toThrow(ProtocolRevertError);
    expect(() => requireReducingDelta(10n, -11n)).toThrow(ProtocolRevertError);
    expect(() => requireReducingDelta(-10n, 4n)).not.toThrow();
  });
});

describe('liquidationInsuranceFundDelta', () => {
  test('default: fee capped, fee below cap, IF pays', () => {
    const i = { bankruptcyQuoteQuantums: 5_100_000_000n, maxLiquidationFeePpm: 5_000n };
    expect(liquidationInsuranceFundDelta({ ...i, fillQuoteQuantums: 5_610_000_000n })).toBe(28_050_000n);
    expect(liquidationInsuranceFundDelta({ ...i, fillQuoteQuantums: 5_110_000_000n })).toBe(10_000_000n);
    expect(liquidationInsuranceFundDelta({ ...i, fillQuoteQuantums: 5_100_000_000n })).toBe(0n);
    expect(liquidationInsuranceFundDelta({ ...i, fillQuoteQuantums: 5_000_000_000n })).toBe(-100_000_000n);
  });
  test('behavior: validity against the fund balance', () => {
    expect(isValidInsuranceFundDelta(0n, 5n)).toBe(true);
    expect(isValidInsuranceFundDelta(100n, -100n)).toBe(true);
    expect(isValidInsuranceFundDelta(99n, -100n)).toBe(false);
  });
});

describe('position and subaccount block limits', () => {
  test('default: $250k position, 10% portion, $1k minimum', () => {
    expect(
      positionNotionalBounds({
        positionNotionalQuoteQuantums: 250_000_000_000n,
        minPositionNotionalLiquidated: 1_000_000_000n,
        maxPositionPortionLiquidatedPpm: 100_000n,
      }),
    ).toEqual({ minNotionalLiquidatable: 1_000_000_000n, maxNotionalLiquidatable: 25_000_000_000n });
    expect(remainingBlockLimit(100n, 30n, 'x')).toBe(70n);
  });
  test('error: a limit already exceeded', () => {
    expect(() =>
      remainingBlockLimit(100n, 101n, 'ErrLiquidationExceedsSubaccountMaxNotionalLiquidated'),
    ).toThrow(ProtocolRevertError);
  });
});

describe('liquidatablePositionSizeDelta', () => {
  // 1 base quantum = 1 quote quantum · price 2 → notional = 2·base; toBase = floor(q/2).
  const base = {
    positionBaseQuantums: 1_000n,
    positionNotionalQuoteQuantums: 2_000n,
    maxPositionNotionalLiquidatable: 200n,
    maxSubaccountNotionalLiquidatable: 10_000n,
    stepBaseQuantums: 30n,
    notionalToBase: (q: bigint) => q / 2n,
  };
  test('default: limit 200 quote = 100 base → rounded down to a step (90), sign opposite', () => {
    expect(liquidatablePositionSizeDelta(base)).toBe(-90n);
    expect(
      liquidatablePositionSizeDelta({
        ...base,
        positionBaseQuantums: -1_000n,
        positionNotionalQuoteQuantums: -2_000n,
      }),
    ).toBe(90n);
  });
  test('behavior: the smaller of the two limits binds; a limit below one step gives one step', () => {
    expect(liquidatablePositionSizeDelta({ ...base, maxSubaccountNotionalLiquidatable: 100n })).toBe(-30n);
    expect(liquidatablePositionSizeDelta({ ...base, maxSubaccountNotionalLiquidatable: 2n })).toBe(-30n);
  });
  test('behavior: whole position when it fits the limit or is one step', () => {
    expect(liquidatablePositionSizeDelta({ ...base, maxPositionNotionalLiquidatable: 2_000n })).toBe(-1_000n);
    expect(
      liquidatablePositionSizeDelta({
        ...base,
        positionBaseQuantums: 30n,
        positionNotionalQuoteQuantums: 60n,
        maxPositionNotionalLiquidatable: 1n,
      }),
    ).toBe(-30n);
  });
});

describe('fillablePriceToSubticks', () => {
  test('default: sells round up, buys round down, aligned to the tick', () => {
    // 49999/100 qq/bq, exponent −9 → 499_990_000_000 subticks exactly; ticks of 1e6 → sell rounds
    // up to 500_000_000_000, buy down to 499_990_000_000.
    const p = rational(49_999n, 100n);
    expect(
      fillablePriceToSubticks({
        fillablePrice: p,
        isLiquidatingLong: true,
        quantumConversionExponent: -9,
        subticksPerTick: 1_000_000n,
      }),
    ).toBe(499_990_000_000n);
    expect(
      fillablePriceToSubticks({
        fillablePrice: p,
        isLiquidatingLong: true,
        quantumConversionExponent: -9,
        subticksPerTick: 100_000_000_000n,
      }),
    ).toBe(500_000_000_000n);
    expect(
      fillablePriceToSubticks({
        fillablePrice: p,
        isLiquidatingLong: false,
        quantumConversionExponent: -9,
        subticksPerTick: 100_000_000_000n,
      }),
    ).toBe(400_000_000_000n);
  });
  test('behavior: bounded below by one tick', () => {
    expect(
      fillablePriceToSubticks({
        fillablePrice: rational(0n),
        isLiquidatingLong: false,
        quantumConversionExponent: 0,
        subticksPerTick: 5n,
      }),
    ).toBe(5n);
    // 7/3 with exponent 1: 7/30 → ceil 1 → aligned to 5.
    expect(
      fillablePriceToSubticks({
        fillablePrice: rational(7n, 3n),
        isLiquidatingLong: true,
        quantumConversionExponent: 1,
        subticksPerTick: 5n,
      }),
    ).toBe(5n);
  });
  test('error: negative price', () => {
    expect(() =>
      fillablePriceToSubticks({
        fillablePrice: rational(-1n),
        isLiquidatingLong: true,
        quantumConversionExponent: 0,
        subticksPerTick: 1n,
      }),
    ).toThrow(ProtocolRevertError);
  });
});

describe('fillAmountToQuoteQuantums', () => {
  test('default: subticks · base · 10^qce rounded down', () => {
    expect(fillAmountToQuoteQuantums(500_000_000_000n, 10_000_000n, -9)).toBe(5_000_000_000n);
    expect(fillAmountToQuoteQuantums(7n, 3n, -1)).toBe(2n);
    expect(fillAmountToQuoteQuantums(7n, 3n, 2)).toBe(2_100n);
  });
});
