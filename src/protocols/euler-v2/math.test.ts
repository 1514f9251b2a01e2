/** Tables of exact values for the Euler formulas (math.ts), each derived by hand in a comment. */
import { describe, expect, test } from 'vitest';
import { ProtocolRevertError } from '../../engine/errors.js';
import {
  adjustedCollateralValue,
  currentLtvBps,
  discountFactorWad,
  healthPriceFloor,
  healthScoreWad,
  isInLiquidationCoolOff,
  isInViolation,
  type LtvConfig,
  MIN_SOCIALIZATION_LIABILITY_VALUE,
  maxLiquidation,
  nextLtvConfig,
  quoteValue,
  rampedLiquidationLtvBps,
  scaleToDesiredRepay,
  setLtvRevert,
  socializedDebt,
  toAssetsDown,
  toSharesDown,
  toSharesUp,
  violationPriceCeiling,
} from './math.js';

const E18 = 10n ** 18n;

describe('rampedLiquidationLtvBps', () => {
  const ramp = {
    initialLiquidationLtvBps: 8_500n,
    targetLiquidationLtvBps: 7_500n,
    rampDurationSeconds: 86_400,
  };
  test('default: a quarter of the ramp left is a quarter of the drop above the target', () => {
    // 7500 + 1000·21600/86400 = 7500 + 250.
    expect(rampedLiquidationLtvBps({ ...ramp, timeRemainingSeconds: 21_600 })).toBe(7_750n);
  });
  test('behavior: table', () => {
    const rows: [number, bigint][] = [
      [86_400, 8_500n], // the whole ramp left: the initial LTV
      [43_200, 8_000n], // half
      [1, 7_500n], // 1000/86400 floors to 0
      [87, 7_501n], // 87000/86400 = 1.007
      [0, 7_500n], // ended
      [-5, 7_500n], // past the end
    ];
    for (const [left, want] of rows)
      expect(rampedLiquidationLtvBps({ ...ramp, timeRemainingSeconds: left })).toBe(want);
  });
  test('behavior: a raise is immediate', () => {
    expect(
      rampedLiquidationLtvBps({ ...ramp, targetLiquidationLtvBps: 9_000n, timeRemainingSeconds: 40_000 }),
    ).toBe(9_000n);
  });
});

describe('currentLtvBps / nextLtvConfig / setLtvRevert', () => {
  const first = nextLtvConfig(
    undefined,
    { borrowLtvBps: 8_300n, liquidationLtvBps: 8_500n, rampDurationSeconds: 0 },
    100,
  );
  test('default: a first configuration is in force at once', () => {
    expect(first).toEqual({
      borrowLtvBps: 8_300n,
      liquidationLtvBps: 8_500n,
      initialLiquidationLtvBps: 0n,
      targetTimestampSeconds: 100,
      rampDurationSeconds: 0,
    });
    expect(currentLtvBps(first, true, 100)).toBe(8_500n);
    expect(currentLtvBps(first, false, 100)).toBe(8_300n);
  });
  test('behavior: lowering with a ramp starts from the LTV in force; the borrow LTV changes at once', () => {
    const lowered = nextLtvConfig(
      first,
      { borrowLtvBps: 7_000n, liquidationLtvBps: 7_500n, rampDurationSeconds: 1_000 },
      200,
    );
    expect(lowered).toEqual({
      borrowLtvBps: 7_000n,
      liquidationLtvBps: 7_500n,
      initialLiquidationLtvBps: 8_500n,
      targetTimestampSeconds: 1_200,
      rampDurationSeconds: 1_000,
    });
    expect(currentLtvBps(lowered, false, 200)).toBe(7_000n);
    // 400 s in: 7500 + 1000·600/1000 = 8100.
    expect(currentLtvBps(lowered, true, 600)).toBe(8_100n);
    // Lowered again mid-ramp (at 600 s, LTV 8100) to 7000 over 100 s: starts from 8100.
    const again = nextLtvConfig(
      lowered,
      { borrowLtvBps: 7_000n, liquidationLtvBps: 7_000n, rampDurationSeconds: 100 },
      600,
    );
    expect(again.initialLiquidationLtvBps).toBe(8_100n);
    expect(currentLtvBps(again, true, 650)).toBe(7_550n);
  });
  test('error: the governance checks', () => {
    const mid: LtvConfig = nextLtvConfig(
      first,
      { borrowLtvBps: 7_000n, liquidationLtvBps: 7_500n, rampDurationSeconds: 1_000 },
      200,
    );
    const set = (b: bigint, l: bigint, r: number, at = 600) =>
      setLtvRevert(mid, { borrowLtvBps: b, liquidationLtvBps: l, rampDurationSeconds: r }, at);
    expect(set(7_000n, 10_001n, 0)).toBe('E_ConfigAmountTooLargeToEncode');
    expect(set(8_000n, 7_900n, 0)).toBe('E_LTVBorrow');
    // In force at 600 s: 8100; a ramp to ≥ 8100 is refused, to 8099 accepted, without ramp anything goes.
    expect(set(7_000n, 8_100n, 10)).toBe('E_LTVLiquidation');
    expect(set(7_000n, 8_099n, 10)).toBeUndefined();
    expect(set(7_000n, 9_000n, 0)).toBeUndefined();
    expect(
      setLtvRevert(undefined, { borrowLtvBps: 1n, liquidationLtvBps: 2n, rampDurationSeconds: 5 }, 0),
    ).toBe('E_LTVLiquidation');
  });
});

describe('quoteValue / adjustedCollateralValue', () => {
  test('default: 1.5 WETH at $2000.12345678 in 18-decimal USD', () => {
    // 1.5e18 · 200012345678 · 1e18 / 1e26 = 3000.18518517 · 1e18.
    expect(
      quoteValue({
        amount: 15n * 10n ** 17n,
        decimals: 18,
        price: 200_012_345_678n,
        priceDecimals: 8,
        unitDecimals: 18,
      }),
    ).toBe(3_000_185_185_170_000_000_000n);
  });
  test('behavior: floors (1 wei of USDC at $0.99999999 in 6-decimal USD is 0)', () => {
    expect(
      quoteValue({ amount: 1n, decimals: 6, price: 99_999_999n, priceDecimals: 8, unitDecimals: 6 }),
    ).toBe(0n);
    expect(quoteValue({ amount: 3n, decimals: 0, price: 1n, priceDecimals: 1, unitDecimals: 0 })).toBe(0n);
  });
  test('behavior: LTV adjustment floors, LTV 0 gives 0', () => {
    expect(adjustedCollateralValue(10_001n, 8_500n)).toBe(8_500n); // 8500.85 → 8500
    expect(adjustedCollateralValue(5n * E18, 9_000n)).toBe(45n * 10n ** 17n);
    expect(adjustedCollateralValue(123n, 0n)).toBe(0n);
  });
});

describe('isInViolation / healthScoreWad / discountFactorWad', () => {
  test('default: equality is a violation (Euler liquidates at ≤)', () => {
    expect(isInViolation(100n, 100n)).toBe(true);
    expect(isInViolation(101n, 100n)).toBe(false);
    expect(isInViolation(0n, 0n)).toBe(false); // no liability value: never
  });
  test('behavior: health score', () => {
    expect(healthScoreWad(9n, 10n, -1n)).toBe(9n * 10n ** 17n);
    expect(healthScoreWad(2n, 3n, -1n)).toBe(666_666_666_666_666_666n);
    expect(healthScoreWad(5n, 0n, 42n)).toBe(42n);
  });
  test('behavior: the discount is 1 − health, capped by the maximum discount', () => {
    const f = (adj: bigint, liab: bigint, maxBps: bigint) =>
      discountFactorWad({
        collateralAdjustedValue: adj,
        liabilityValue: liab,
        maxLiquidationDiscountBps: maxBps,
      });
    expect(f(9n, 10n, 2_000n)).toBe(9n * 10n ** 17n); // 10 % discount, under the 20 % cap
    expect(f(6n, 10n, 1_500n)).toBe(85n * 10n ** 16n); // 40 % → capped at 15 %
    expect(f(9n, 92n, 2_000n)).toBe(8n * 10n ** 17n); // 9/92 → capped at 20 %
    expect(f(0n, 10n, 0n)).toBe(E18); // a 0 % cap: no discount at all
  });
});

/** alice's line: 10 WETH (USD·1e8 prices) against 16,000 USDC at $1, liquidation LTV 85 %. */
const ALICE_LINE = {
  liabilityValue: 16_000n * E18,
  balance: 10n * E18,
  decimals: 18,
  priceDecimals: 8,
  unitDecimals: 18,
  ltvBps: 8_500n,
};

describe('violationPriceCeiling', () => {
  // 10 WETH against 16,000 USDC at $1 (liability value 16,000e18), liquidation LTV 85 %, USD·1e8
  // prices: V(p) = 10e18 · p · 1e18 / 1e26 = p · 1e11 and A(p) = 0.85 · p · 1e11 = p · 8.5e10
  // (exact for a whole p), so A(p) ≤ 16,000e18 ⟺ p ≤ 16,000e18 / 8.5e10 = 188,235,294,117.6…
  const line = ALICE_LINE;
  const inViolationAt = (p: bigint, l = line) =>
    isInViolation(
      adjustedCollateralValue(
        quoteValue({
          amount: l.balance,
          decimals: l.decimals,
          price: p,
          priceDecimals: l.priceDecimals,
          unitDecimals: l.unitDecimals,
        }),
        l.ltvBps,
      ),
      l.liabilityValue,
    );

  test('default: alice is in violation up to $1,882.35294117', () => {
    expect(violationPriceCeiling(line)).toBe(188_235_294_117n);
    expect(inViolationAt(188_235_294_117n)).toBe(true);
    expect(inViolationAt(188_235_294_118n)).toBe(false);
  });
  test('behavior: floors on both sides (6-decimal collateral, a value that does not divide evenly)', () => {
    // 3 units of a 6-decimal token at LTV 1 bp against a liability worth 1: V(p) = 3p (unit 8,
    // price 8 decimals, token 6: 3 · p · 1e8 / 1e14 = 3p / 1e6); A = ⌊V / 1e4⌋ ≤ 1 ⟺ V ≤ 19999
    // ⟺ 3p / 1e6 < 20000 ⟺ p < 6.666…e9 ⟺ p ≤ 6,666,666,666.
    const small = {
      liabilityValue: 1n,
      balance: 3n,
      decimals: 6,
      priceDecimals: 8,
      unitDecimals: 8,
      ltvBps: 1n,
    };
    expect(violationPriceCeiling(small)).toBe(6_666_666_666n);
    expect(inViolationAt(6_666_666_666n, small)).toBe(true);
    expect(inViolationAt(6_666_666_667n, small)).toBe(false);
  });
  test('behavior: a liability worth 0 is never in violation', () => {
    expect(violationPriceCeiling({ ...line, liabilityValue: 0n })).toBe(-1n);
    expect(inViolationAt(0n, { ...line, liabilityValue: 0n })).toBe(false);
  });
  test('error: a line worth 0 at every price (no balance, LTV 0) fails its assert (a bug, not a SolventError)', () => {
    expect(() => violationPriceCeiling({ ...line, balance: 0n })).toThrow(/invariant broken/);
    expect(() => violationPriceCeiling({ ...line, ltvBps: 0n })).toThrow(/invariant broken/);
  });
});

describe('healthPriceFloor', () => {
  // alice again: A(p) = p · 8.5e10 against L = 16,000e18, so her score is ⌊p · 8.5e10 · 1e18 / 16,000e18⌋
  // = p · 5,312,500 (exact for a whole p): ≥ 1.1e18 ⟺ p ≥ 1.1e18 / 5,312,500 = 207,058,823,529.4…
  const line = ALICE_LINE;
  test('default: alice reaches a score of 1.1 at $2,070.58823530', () => {
    expect(healthPriceFloor(line, 11n * 10n ** 17n)).toBe(207_058_823_530n);
    expect(207_058_823_530n * 5_312_500n).toBeGreaterThanOrEqual(11n * 10n ** 17n);
    expect(207_058_823_529n * 5_312_500n).toBeLessThan(11n * 10n ** 17n);
  });
  test('behavior: score 1e18 is reached one unit above the violation ceiling when it divides evenly', () => {
    // p · 5,312,500 ≥ 1e18 ⟺ p ≥ 188,235,294,117.6… → 188,235,294,118; the violation ceiling is one below.
    expect(healthPriceFloor(line, E18)).toBe(188_235_294_118n);
    expect(violationPriceCeiling(line)).toBe(188_235_294_117n);
    expect(healthPriceFloor(line, 0n)).toBe(0n);
  });
  test('error: a line whose score does not depend on the price fails its assert', () => {
    expect(() => healthPriceFloor({ ...line, liabilityValue: 0n }, E18)).toThrow(/invariant broken/);
    expect(() => healthPriceFloor({ ...line, ltvBps: 0n }, E18)).toThrow(/invariant broken/);
  });
});

describe('maxLiquidation', () => {
  test('default: Euler basic.t.sol all-collateral scenario (health 0.9, everything seized)', () => {
    // 10 collateral at 0.5 = 5; adjusted at LTV 0.9 = 4.5; debt 5 at 1. discount 10 %:
    // maxYieldValue = 5/0.9 = 5.55 > 5 → repayValue = 5·0.9 = 4.5, yield = all 10.
    expect(
      maxLiquidation({
        collateralAdjustedValue: 45n * 10n ** 17n,
        liabilityValue: 5n * E18,
        liability: 5n * E18,
        collateralBalance: 10n * E18,
        collateralValue: 5n * E18,
        maxLiquidationDiscountBps: 2_000n,
      }),
    ).toEqual({
      violation: true,
      discountFactorWad: 9n * 10n ** 17n,
      maxRepayValue: 45n * 10n ** 17n,
      maxYieldValue: 5n * E18,
      repay: 45n * 10n ** 17n,
      yieldBalance: 10n * E18,
    });
  });
  test('behavior: liability in another unit than value (price 2 per asset unit)', () => {
    // liability 100 assets worth 200; adjusted 190 → factor 0.95; collateral 1000 units worth 500.
    // maxYieldValue = 200/0.95 = 210.526… → 210; repay = 200·100/200 = 100; yield = 210·1000/500 = 420.
    expect(
      maxLiquidation({
        collateralAdjustedValue: 190n,
        liabilityValue: 200n,
        liability: 100n,
        collateralBalance: 1_000n,
        collateralValue: 500n,
        maxLiquidationDiscountBps: 1_500n,
      }),
    ).toMatchObject({
      discountFactorWad: 95n * 10n ** 16n,
      maxYieldValue: 210n,
      repay: 100n,
      yieldBalance: 420n,
    });
  });
  test('behavior: healthy accounts and worthless collateral', () => {
    const healthy = maxLiquidation({
      collateralAdjustedValue: 11n,
      liabilityValue: 10n,
      liability: 10n,
      collateralBalance: 100n,
      collateralValue: 20n,
      maxLiquidationDiscountBps: 1_500n,
    });
    expect(healthy).toEqual({
      violation: false,
      discountFactorWad: 0n,
      maxRepayValue: 0n,
      maxYieldValue: 0n,
      repay: 0n,
      yieldBalance: 0n,
    });
    expect(
      maxLiquidation({
        collateralAdjustedValue: 0n,
        liabilityValue: 10n,
        liability: 10n,
        collateralBalance: 7n,
        collateralValue: 0n,
        maxLiquidationDiscountBps: 1_500n,
      }),
    ).toMatchObject({ violation: true, repay: 0n, yieldBalance: 7n, discountFactorWad: 85n * 10n ** 16n });
  });
});

describe('scaleToDesiredRepay', () => {
  test('default: the yield scales linearly (floor)', () => {
    // 3e18 · 9404444444444444447 / 9.2e18 = 3066666666666666667.5… → …667.
    expect(
      scaleToDesiredRepay({
        maxRepay: 92n * 10n ** 17n,
        maxYield: 9_404_444_444_444_444_447n,
        desiredRepay: 3n * E18,
      }),
    ).toEqual({ repay: 3n * E18, yieldBalance: 3_066_666_666_666_666_667n });
  });
  test('behavior: max and zero', () => {
    expect(scaleToDesiredRepay({ maxRepay: 5n, maxYield: 6n, desiredRepay: 'max' })).toEqual({
      repay: 5n,
      yieldBalance: 6n,
    });
    expect(scaleToDesiredRepay({ maxRepay: 5n, maxYield: 6n, desiredRepay: 0n })).toEqual({
      repay: 0n,
      yieldBalance: 0n,
    });
    expect(scaleToDesiredRepay({ maxRepay: 0n, maxYield: 6n, desiredRepay: 0n })).toEqual({
      repay: 0n,
      yieldBalance: 6n,
    });
  });
  test('error: more than the maximum reverts E_ExcessiveRepayAmount', () => {
    expect(() => scaleToDesiredRepay({ maxRepay: 5n, maxYield: 6n, desiredRepay: 6n })).toThrow(
      ProtocolRevertError,
    );
    expect(() => scaleToDesiredRepay({ maxRepay: 0n, maxYield: 6n, desiredRepay: 1n })).toThrow(
      ProtocolRevertError,
    );
  });
});

describe('socializedDebt', () => {
  const base = {
    liabilityValue: MIN_SOCIALIZATION_LIABILITY_VALUE,
    liability: 100n,
    repay: 60n,
    noCollateralLeft: true,
    dontSocializeDebt: false,
  };
  test('default: the rest of the debt when no collateral is left', () => {
    expect(socializedDebt(base)).toBe(40n);
  });
  test('behavior: each condition blocks it', () => {
    expect(socializedDebt({ ...base, liabilityValue: MIN_SOCIALIZATION_LIABILITY_VALUE - 1n })).toBe(0n);
    expect(socializedDebt({ ...base, noCollateralLeft: false })).toBe(0n);
    expect(socializedDebt({ ...base, dontSocializeDebt: true })).toBe(0n);
    expect(socializedDebt({ ...base, repay: 100n })).toBe(0n);
  });
});

describe('isInLiquidationCoolOff', () => {
  test('default: strictly before last check + cool-off', () => {
    const at = (now: number) =>
      isInLiquidationCoolOff({ nowSeconds: now, lastStatusCheckSeconds: 100, coolOffSeconds: 1 });
    expect([at(100), at(101)]).toEqual([true, false]);
    expect(isInLiquidationCoolOff({ nowSeconds: 100, lastStatusCheckSeconds: 100, coolOffSeconds: 0 })).toBe(
      false,
    );
  });
});

describe('share conversions', () => {
  test('default: the first deposit is 1:1 (virtual deposit 1e6 on both sides)', () => {
    const empty = { cash: 0n, totalBorrows: 0n, totalShares: 0n };
    expect(toSharesDown(1_000_000n, empty)).toBe(1_000_000n);
  });
  test('behavior: after socialization a share is worth less, and rounding favours the vault', () => {
    // 1e6 shares; cash 1e6 and borrows 0.5e6 left after 0.5e6 of 1e6 borrowed was socialized:
    // conversion totals assets 1.5e6 + 1e6, shares 1e6 + 1e6.
    const t = { cash: 1_000_000n, totalBorrows: 500_000n, totalShares: 1_000_000n };
    // redeem 1e6 shares: 1e6 · 2.5e6 / 2e6 = 1.25e6.
    expect(toAssetsDown(1_000_000n, t)).toBe(1_250_000n);
    // deposit 5: 5·2e6/2.5e6 = 4; withdraw 5: ceil = 4; withdraw 6: 4.8 → 5.
    expect(toSharesDown(5n, t)).toBe(4n);
    expect(toSharesUp(5n, t)).toBe(4n);
    expect(toSharesUp(6n, t)).toBe(5n);
    expect(toSharesDown(6n, t)).toBe(4n);
  });
});
