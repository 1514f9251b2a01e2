/** Drift v2 formulas against hand-derived values and Drift's own unit tests (math/liquidation/tests.rs). */
import { describe, expect, test } from 'vitest';
import { InvalidParameterError, ProtocolRevertError } from '../../engine/errors.js';
import {
  baseAssetAmountToCoverMarginShortage,
  baseAssetValueQuote,
  fundingPaymentQuote,
  fundingRateDeltaToResolveBankruptcy,
  liquidationFeePpm,
  marginRequirementQuote,
  maxPctToLiquidate,
  perpIfFeePpm,
  slotFromSeconds,
  standardizeBaseAssetAmount,
  standardizeBaseAssetAmountCeil,
  transferFees,
  U64_MAX,
} from './math.js';

describe('liquidationFeePpm', () => {
  test('default: base fee inside the 1,500-slot grace period, ramp after, capped', () => {
    const f = (last: bigint, now: bigint) =>
      liquidationFeePpm({ baseFeePpm: 20_000n, maxFeePpm: 50_000n, lastActiveSlot: last, currentSlot: now });
    expect(f(0n, 10n)).toBe(20_000n);
    expect(f(0n, 1_499n)).toBe(20_000n);
    expect(f(0n, 1_500n)).toBe(21_500n); // counted from the last activity, not from the grace end
    expect(f(0n, 10_000n)).toBe(30_000n);
    expect(f(0n, 30_000n)).toBe(50_000n);
    expect(f(0n, 100_000n)).toBe(50_000n);
  });
  test('error: a slot before the last activity reverts MathError', () => {
    expect(() =>
      liquidationFeePpm({ baseFeePpm: 1n, maxFeePpm: 1n, lastActiveSlot: 2n, currentSlot: 1n }),
    ).toThrow(ProtocolRevertError);
    expect(() =>
      liquidationFeePpm({ baseFeePpm: -1n, maxFeePpm: 1n, lastActiveSlot: 0n, currentSlot: 1n }),
    ).toThrow(InvalidParameterError);
  });
});

describe('perpIfFeePpm', () => {
  const base = {
    userBaseAssetAmount: 10_000_000_000n, // 10 base
    marginRatio: 500n, // 5 %
    liquidatorFeePpm: 10_000n, // 1 %
    oraclePrice: 100_000_000n, // $100
    quoteOraclePrice: 1_000_000n,
    maxIfFeePpm: 50_000n,
  };
  test('default: 95 % of (ratio − liquidator fee − shortage/notional)', () => {
    // notional $1,000: $20 shortage = 2 % → 0.95·(5 − 1 − 2) % = 1.9 %
    expect(perpIfFeePpm({ ...base, marginShortageQuote: 20_000_000n })).toBe(19_000n);
    // $1 = 0.1 % → 0.95 · 3.9 % = 3.705 %
    expect(perpIfFeePpm({ ...base, marginShortageQuote: 1_000_000n })).toBe(37_050n);
    // $1,000 = 100 %: saturates at 0
    expect(perpIfFeePpm({ ...base, marginShortageQuote: 1_000_000_000n })).toBe(0n);
  });
  test('behavior: capped at the max, zero on degenerate inputs', () => {
    expect(perpIfFeePpm({ ...base, marginRatio: 2_000n, marginShortageQuote: 0n })).toBe(50_000n);
    expect(perpIfFeePpm({ ...base, marginShortageQuote: 0n, userBaseAssetAmount: 0n })).toBe(0n);
    expect(perpIfFeePpm({ ...base, marginShortageQuote: 0n, oraclePrice: 0n })).toBe(0n);
    expect(perpIfFeePpm({ ...base, marginShortageQuote: 0n, liquidatorFeePpm: 50_000n })).toBe(0n);
  });
});

describe('baseAssetAmountToCoverMarginShortage', () => {
  const input = {
    marginShortageQuote: 10_000_000n,
    marginRatio: 1_000n,
    liquidatorFeePpm: 0n,
    ifLiquidationFeePpm: 0n,
    oraclePrice: 100_000_000n,
    quoteOraclePrice: 1_000_000n,
  };
  test('default: Drift tests.rs values', () => {
    expect(baseAssetAmountToCoverMarginShortage(input)).toBe(1_000_000_000n);
    expect(baseAssetAmountToCoverMarginShortage({ ...input, quoteOraclePrice: 990_000n })).toBe(
      1_010_101_010n,
    );
    expect(baseAssetAmountToCoverMarginShortage({ ...input, quoteOraclePrice: 1_010_000n })).toBe(
      990_099_009n,
    );
    expect(baseAssetAmountToCoverMarginShortage({ ...input, liquidatorFeePpm: 10_000n })).toBe(
      1_111_111_111n,
    );
    expect(
      baseAssetAmountToCoverMarginShortage({
        ...input,
        liquidatorFeePpm: 10_000n,
        ifLiquidationFeePpm: 10_000n,
      }),
    ).toBe(1_250_000_000n);
  });
  test('behavior: unbounded when the ratio does not exceed the fee or the price is 0', () => {
    expect(baseAssetAmountToCoverMarginShortage({ ...input, liquidatorFeePpm: 100_000n })).toBe(U64_MAX);
    expect(baseAssetAmountToCoverMarginShortage({ ...input, oraclePrice: 0n })).toBe(U64_MAX);
  });
  test('error: an IF fee consuming the freed margin reverts', () => {
    expect(() => baseAssetAmountToCoverMarginShortage({ ...input, ifLiquidationFeePpm: 100_000n })).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('maxPctToLiquidate', () => {
  const input = {
    marginShortageQuote: 1_000_000_000n,
    slotsElapsed: 30n,
    initialPctToLiquidate: 1_000n,
    liquidationDurationSlots: 150n,
    liquidationMarginFreedQuote: 0n,
  };
  test('default: initial 10 % + elapsed/duration', () => {
    expect(maxPctToLiquidate(input)).toBe(3_000n);
    expect(maxPctToLiquidate({ ...input, slotsElapsed: 0n })).toBe(1_000n);
    expect(maxPctToLiquidate({ ...input, slotsElapsed: 135n })).toBe(10_000n);
    expect(maxPctToLiquidate({ ...input, slotsElapsed: 10_000n })).toBe(10_000n);
  });
  test('behavior: small shortages at once, zero duration 100 %, freed margin counted', () => {
    expect(maxPctToLiquidate({ ...input, marginShortageQuote: 49_999_999n, slotsElapsed: 0n })).toBe(10_000n);
    expect(maxPctToLiquidate({ ...input, liquidationDurationSlots: 0n, slotsElapsed: 0n })).toBe(10_000n);
    // 30 % of (1,000 + 300) = 390 allowed, 300 freed → 90 of 1,000 = 9 %
    expect(maxPctToLiquidate({ ...input, liquidationMarginFreedQuote: 300_000_000n })).toBe(900n);
    // already freed more than allowed → 0
    expect(maxPctToLiquidate({ ...input, liquidationMarginFreedQuote: 900_000_000n })).toBe(0n);
  });
});

describe('fundingRateDeltaToResolveBankruptcy', () => {
  test('default: ceil(loss·1e9/(|long|+|short|))·1e3 (Drift tests.rs)', () => {
    expect(
      fundingRateDeltaToResolveBankruptcy({
        lossQuote: -100_000_000n,
        baseAssetAmountLong: 7_000_000_000n,
        baseAssetAmountShort: -4_000_000_000n,
      }),
    ).toBe(9_090_910_000n);
    expect(
      fundingRateDeltaToResolveBankruptcy({
        lossQuote: 2n,
        baseAssetAmountLong: 4n,
        baseAssetAmountShort: 0n,
      }),
    ).toBe(500_000_000_000n);
  });
  test('error: no open interest', () => {
    expect(() =>
      fundingRateDeltaToResolveBankruptcy({
        lossQuote: 1n,
        baseAssetAmountLong: 0n,
        baseAssetAmountShort: 0n,
      }),
    ).toThrow(ProtocolRevertError);
  });
});

describe('fundingPaymentQuote', () => {
  test('default: longs pay a positive delta, shorts receive it', () => {
    // Δ = $0.50 per base (5e8), 2 base: $1.00 = 1e6
    expect(fundingPaymentQuote(500_000_000n, 2_000_000_000n)).toBe(-1_000_000n);
    expect(fundingPaymentQuote(500_000_000n, -2_000_000_000n)).toBe(1_000_000n);
    expect(fundingPaymentQuote(-500_000_000n, -2_000_000_000n)).toBe(-1_000_000n);
  });
  test('behavior: magnitudes floor before the sign; truncation toward zero', () => {
    // 1e9·1 / 1e6 / 1e3 = 1 (in 1e9 quote units) → /1e3 truncates to 0
    expect(fundingPaymentQuote(1_000_000_000n, 1n)).toBe(0n);
    expect(fundingPaymentQuote(3n, 1_000_000_000n)).toBe(0n);
    expect(fundingPaymentQuote(0n, 5n)).toBe(0n);
    // 9_090_910_000 · 7e9 / 1e6 / 1e3 = 63_636_370_000 (1e9 units) → /1e3 = 63_636_370 = $63.63637
    expect(fundingPaymentQuote(9_090_910_000n, 7_000_000_000n)).toBe(-63_636_370n);
  });
});

describe('values and requirements', () => {
  test('default: base value floor, requirement and buffer floors', () => {
    expect(baseAssetValueQuote(-1_500_000_001n, 100_000_000n)).toBe(150_000_000n);
    expect(marginRequirementQuote(1_000_000_001n, 500n, 200n)).toEqual({
      requirement: 50_000_000n,
      requirementPlusBuffer: 70_000_000n,
    });
    expect(
      transferFees(2_000_000_000n, 100_000_000n, { liquidatorFeePpm: 10_000n, ifFeePpm: 3_333n }),
    ).toEqual({
      baseAssetValueQuote: 200_000_000n,
      liquidatorFeeQuote: 2_000_000n,
      ifFeeQuote: 666_600n,
    });
  });
  test('behavior: step-size standardization and slots from seconds', () => {
    expect(standardizeBaseAssetAmount(1_234_567n, 100_000n)).toBe(1_200_000n);
    expect(standardizeBaseAssetAmountCeil(1_234_567n, 100_000n)).toBe(1_300_000n);
    expect(standardizeBaseAssetAmountCeil(1_200_000n, 100_000n)).toBe(1_200_000n);
    expect(slotFromSeconds(0)).toBe(0n);
    expect(slotFromSeconds(1)).toBe(2n);
    expect(slotFromSeconds(600)).toBe(1_500n);
  });
  test('error: bad step size or time', () => {
    expect(() => standardizeBaseAssetAmount(1n, 0n)).toThrow(InvalidParameterError);
    expect(() => slotFromSeconds(-1)).toThrow(InvalidParameterError);
  });
});
